/** The 24/7 point of contact: a big clock, urgent and emergency items first, one click to a preservation request. */
import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { t } from '../i18n';
import { navigate } from '../router';
import { CaseList } from './CaseList';

export function Contact247() {
  const [now, setNow] = useState(new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <Stack>
      <Group justify="space-between" align="start">
        <Title order={2}>{t('contact.title')}</Title>
        <Card withBorder padding="sm">
          <Text size="xs">{t('contact.clock')}</Text>
          <Text fz={40} fw={700} ff="monospace" role="timer" aria-live="off">
            {now.toISOString().slice(11, 19)}
          </Text>
          <Text size="sm">{now.toISOString().slice(0, 10)}</Text>
        </Card>
      </Group>
      <Group>
        <Button color="red" size="md" onClick={() => navigate('/new?preset=preservation')}>
          {t('contact.preserve')}
        </Button>
      </Group>
      <CaseList direction={null} urgentOnly />
    </Stack>
  );
}
