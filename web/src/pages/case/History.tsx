/** The timeline of both sides: every transition, note and message on the case. */
import { Anchor, Text, Timeline } from '@mantine/core';
import type { Case } from '../../api';
import { t, words } from '../../i18n';
import { Link } from '../../router';
import { Section } from './Section';

export function History({ c }: { c: Case }) {
  return (
    <Section id="timeline" title={t('case.timeline')}>
      <Timeline bulletSize={14} lineWidth={2} active={c.history.length}>
        {c.history.map((h) => {
          const details = h.details as Record<string, unknown> | null;
          return (
            <Timeline.Item key={h.seq} title={`${words(h.action)} — ${h.party}`} data-testid="timeline-item">
              <Text size="xs" c="dimmed">
                <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time> ·{' '}
                {h.actor.name ?? h.actor.kind}
                {h.fromState !== h.toState
                  ? ` · ${words(h.fromState ?? '')} → ${words(h.toState ?? '')}`
                  : ''}
              </Text>
              {h.ledger ? (
                <Anchor
                  component={Link}
                  to={`/ledger?index=${h.ledger.index}`}
                  size="xs"
                  data-testid="ledger-link"
                >
                  {h.ledger.signed
                    ? t('case.ledger.signed', { index: h.ledger.index })
                    : t('case.ledger.pending', { index: h.ledger.index })}
                </Anchor>
              ) : null}
              {details?.note ? <Text size="sm">{String(details.note)}</Text> : null}
              {Array.isArray(details?.grounds) ? (
                <Text size="sm">
                  {t('case.grounds', { grounds: (details.grounds as string[]).map(words).join(', ') })}
                </Text>
              ) : null}
            </Timeline.Item>
          );
        })}
      </Timeline>
    </Section>
  );
}
