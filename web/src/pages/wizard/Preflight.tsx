/** Beside the wizard: what the requested party's screen will say of the request as it stands. */
import { Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ApiError, api, ok } from '../../api';
import { t, words } from '../../i18n';
import { ErrorNote, OutcomeBadge, VerdictBadge } from '../../ui';
import { type Draft, toRequest } from './draft';

/** The requested party's screen, run as the user types (debounced). */
export function Preflight({ d }: { d: Draft }) {
  const [result, setResult] = useState<{
    verdict: string;
    findings: { rule: string; outcome: string; article: string; reason: string }[];
  } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const body = JSON.stringify(toRequest(d));
  useEffect(() => {
    if (!d.to) return;
    const timer = setTimeout(() => {
      ok(api.POST('/api/v1/screening', { body: JSON.parse(body) as never })).then(
        (r) => {
          setError(null);
          setResult(r as never);
        },
        (e) => setError(e instanceof ApiError ? e : new Error(String(e))),
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [body, d.to]);
  return (
    <Card withBorder component="aside" aria-labelledby="preflight-h" aria-live="polite">
      <Title order={3} size="h4" id="preflight-h">
        {t('wizard.preflight')}
      </Title>
      <Text size="xs" c="dimmed" mb="xs">
        {t('wizard.preflight.hint')}
      </Text>
      {error ? <ErrorNote error={error} /> : null}
      {result ? (
        <Stack gap="xs" data-testid="preflight">
          <Group>
            <VerdictBadge verdict={result.verdict} />
          </Group>
          {result.findings
            .filter((f) => f.outcome !== 'clear')
            .map((f) => (
              <Stack key={f.rule} gap={2}>
                <Group gap="xs">
                  <OutcomeBadge outcome={f.outcome} />
                  <Text fw={600} size="sm">
                    {words(f.rule)}
                  </Text>
                  <Badge variant="outline" size="xs">
                    {f.article}
                  </Badge>
                </Group>
                <Text size="xs">{f.reason}</Text>
              </Stack>
            ))}
        </Stack>
      ) : null}
    </Card>
  );
}
