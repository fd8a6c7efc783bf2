/** The wizard's last step: the request as it will be sent, field by field. */
import { Table } from '@mantine/core';
import { t, words } from '../../i18n';
import { type Draft, TERMS } from './draft';

export function Review({ d }: { d: Draft }) {
  const rows: [string, string][] = [
    [t('wizard.type'), `${words(d.type)} (${d.instrument}, ${d.urgency})`],
    [t('wizard.to'), d.to],
    [t('wizard.step.offences'), d.offences.map((o) => `${o.code} ${o.domestic}`).join('; ')],
    [t('wizard.facts'), d.facts],
    [t('wizard.purpose'), d.purpose],
    ...TERMS.filter((k) => d.dataProtection[k].trim()).map(
      (k) => [t(`wizard.dataProtection.${k}`), d.dataProtection[k]] as [string, string],
    ),
    [t('wizard.deathPenalty'), d.deathPenaltyPossible ? t('common.yes') : t('common.no')],
    [t('wizard.confidential'), d.confidential ? t('common.yes') : t('common.no')],
    [t('wizard.language'), d.language],
    [
      t('case.subjects'),
      d.subjects.map((s) => `${s.name} (${s.role}${s.nationality ? `, ${s.nationality}` : ''})`).join('; '),
    ],
    [
      t('case.data'),
      d.data.map((x) => `${x.category}: ${x.identifiers.filter(Boolean).join(', ')}`).join('; '),
    ],
  ];
  return (
    <Table>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th>{k}</Table.Th>
            <Table.Td style={{ whiteSpace: 'pre-wrap' }}>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
