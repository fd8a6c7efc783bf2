/** The request as sent, with the words the screen quoted marked in the facts and purpose. */
import { Code, Mark, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Finding, CaseRequest as Request } from '../../api';
import { t, words } from '../../i18n';
import { Section } from './Section';

export function quotes(findings: Finding[], field: string): string[] {
  const out: string[] = [];
  for (const f of findings)
    if (f.outcome !== 'clear')
      for (const e of f.evidence) {
        const m = /^([\w.[\]]+):\s*"(.+)"$/s.exec(e);
        if (m && m[1] === field) out.push(m[2]!);
      }
  return out;
}

/** Text with the quoted words marked, so a reviewer sees what raised each finding. */
export function Highlighted({ text, marks }: { text: string; marks: string[] }) {
  if (marks.length === 0) return <>{text}</>;
  const lower = text.toLowerCase();
  const spans: [number, number][] = [];
  for (const m of marks) {
    const i = lower.indexOf(m.toLowerCase());
    if (i >= 0) spans.push([i, i + m.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [s, e] of spans) {
    if (e <= at) continue;
    const start = Math.max(s, at);
    if (start > at) parts.push(text.slice(at, start));
    parts.push(
      <Mark key={start} color="yellow" data-testid="evidence-mark">
        {text.slice(start, e)}
      </Mark>,
    );
    at = e;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

export function RequestCard({ request, findings }: { request: Request; findings: Finding[] }) {
  return (
    <Section id="request" title={t('case.request')}>
      {request.authority?.name ? <Text size="sm">{request.authority.name}</Text> : null}
      <Title order={4} size="h5" mt="sm">
        {t('case.offences')}
      </Title>
      <ul>
        {(request.offences ?? []).map((o) => {
          // A redacted request (an oversight body's view) has no domestic provision, description or provider.
          const domestic = 'domestic' in o ? o.domestic : undefined;
          return (
            <li key={`${o.code}${domestic}`}>
              <Code>{o.code}</Code> {domestic} {o.maxPenaltyYears ? `(max. ${o.maxPenaltyYears} y)` : ''}
            </li>
          );
        })}
      </ul>
      <Title order={4} size="h5">
        {t('case.facts')}
      </Title>
      <Text data-testid="facts" style={{ whiteSpace: 'pre-wrap' }}>
        <Highlighted text={request.facts ?? ''} marks={quotes(findings, 'facts')} />
      </Text>
      <Title order={4} size="h5" mt="sm">
        {t('case.purpose')}
      </Title>
      <Text style={{ whiteSpace: 'pre-wrap' }}>
        <Highlighted text={request.purpose ?? ''} marks={quotes(findings, 'purpose')} />
      </Text>
      {request.dataProtection && (
        <>
          <Title order={4} size="h5" mt="sm">
            {t('case.dataProtection')}
          </Title>
          <Table data-testid="data-protection">
            <Table.Tbody>
              {(['useLimitation', 'retention', 'onwardTransfer'] as const).map((k) => (
                <Table.Tr key={k}>
                  <Table.Th>{t(`wizard.dataProtection.${k}`)}</Table.Th>
                  <Table.Td style={{ whiteSpace: 'pre-wrap' }}>
                    <Highlighted
                      text={request.dataProtection?.[k] ?? '—'}
                      marks={quotes(findings, `dataProtection.${k}`)}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
      <Title order={4} size="h5" mt="sm">
        {t('case.subjects')}
      </Title>
      <ul>
        {(request.subjects ?? []).map((s) => {
          const description = 'description' in s ? s.description : undefined;
          return (
            <li key={`${s.name}|${s.role}|${description}`}>
              {s.name} ({s.role}) {description ? `— ${description}` : ''}
            </li>
          );
        })}
      </ul>
      <Title order={4} size="h5">
        {t('case.data')}
      </Title>
      <ul>
        {(request.data ?? []).map((d) => {
          const provider = 'provider' in d ? d.provider : undefined;
          return (
            <li key={`${d.category}|${(d.identifiers ?? []).join()}|${provider}|${d.from}`}>
              {words(d.category)}: {(d.identifiers ?? []).join(', ')} {provider ? `at ${provider}` : ''}{' '}
              {d.from ? `${d.from} – ${d.to ?? ''}` : ''}
            </li>
          );
        })}
      </ul>
    </Section>
  );
}
