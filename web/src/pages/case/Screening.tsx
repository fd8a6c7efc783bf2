/** The requested side's screening: the verdict and each finding with its article, reason and evidence. */
import { Stack, Table, Text } from '@mantine/core';
import type { Case, Finding } from '../../api';
import { t, words } from '../../i18n';
import { OutcomeBadge, VerdictBadge } from '../../ui';
import { Section } from './Section';

export function Screening({ c, findings }: { c: Case; findings: Finding[] }) {
  return (
    <Section id="screening" title={t('case.screening')}>
      {!c.screening ? (
        <Text size="sm">{t('case.screening.none')}</Text>
      ) : (
        <Stack gap="xs">
          <Text>
            {t('case.screening.verdict', { verdict: words(c.screening.verdict) })}{' '}
            <VerdictBadge verdict={c.screening.verdict} />
          </Text>
          <Table>
            <Table.Tbody>
              {findings
                .filter((f) => f.outcome !== 'clear')
                .map((f) => (
                  <Table.Tr key={f.rule} data-testid={`finding-${f.rule}`}>
                    <Table.Td w={110}>
                      <OutcomeBadge outcome={f.outcome} />
                    </Table.Td>
                    <Table.Td>
                      <Text fw={600}>{words(f.rule)}</Text>
                      <Text size="xs" c="dimmed">
                        {f.article}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{f.reason}</Text>
                      {f.evidence.map((e) => (
                        <Text key={e} size="xs" ff="monospace">
                          {e}
                        </Text>
                      ))}
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Section>
  );
}
