/** One panel of the case page: a titled section, named for assistive technology by its heading. */
import { Card, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function Section({ id, title, children }: { id: string; title: ReactNode; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-labelledby={`${id}-h`}>
      <Title order={3} id={`${id}-h`} size="h4" mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  );
}
