/**
 * One case: the request with the screen's evidence highlighted in the facts, the findings with their articles,
 * the decision panel, the timeline of both sides, messages, and evidence packages; one panel per file here.
 */
import { Alert, Badge, Grid, Group, Stack, Text, Title } from '@mantine/core';
import type { Finding, CaseRequest as Request } from '../../api';
import { api, type Case, ok, type User } from '../../api';
import { t, words } from '../../i18n';
import { Countdown, ErrorNote, Loading, useLoad, VerdictBadge } from '../../ui';
import { Actions } from './Actions';
import { Evidence } from './Evidence';
import { History } from './History';
import { NeedToKnow } from './NeedToKnow';
import { RequestCard } from './RequestCard';
import { Screening } from './Screening';

export function CaseView({ id, user }: { id: string; user: User }) {
  const loaded = useLoad(() => ok(api.GET('/api/v1/cases/{id}', { params: { path: { id } } })), [id]);
  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!loaded.data) return <Loading />;
  const c = loaded.data as Case;
  const request = c.request as Request;
  const findings = ((c.screening?.findings ?? []) as Finding[]).filter(Boolean);
  return (
    <Stack>
      <Group justify="space-between" align="start">
        <Stack gap={4}>
          <Title order={2}>{t('case.title', { id: c.id })}</Title>
          <Group gap="xs">
            <Badge size="lg" data-testid="case-state">
              {words(c.state)}
            </Badge>
            <Badge variant="outline">
              {c.requesting} → {c.requested}
            </Badge>
            <Badge variant="outline">{words(c.type)}</Badge>
            <Badge variant="outline" color={c.urgency === 'routine' ? 'gray' : 'red'}>
              {c.urgency}
            </Badge>
            {c.verdict ? <VerdictBadge verdict={c.verdict} /> : null}
            {c.redacted ? <Badge color="gray">{t('case.redacted')}</Badge> : null}
          </Group>
          {c.vouchedBy ? (
            <Alert color="blue" variant="light" p="xs" data-testid="vouched-by">
              {t('case.vouchedBy', {
                name: c.vouchedBy.name,
                party: c.vouchedBy.party,
                kid: c.vouchedBy.kid,
              })}
            </Alert>
          ) : null}
        </Stack>
        {c.deadline ? (
          <Stack gap={2} align="end">
            <Text size="sm">{words(c.deadline.kind)}</Text>
            <Countdown dueAt={c.deadline.dueAt} overdue={c.deadline.overdue} />
          </Stack>
        ) : null}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack>
            <RequestCard request={request} findings={findings} />
            <Screening c={c} findings={findings} />
            <Evidence c={c} user={user} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack>
            <Actions c={c} findings={findings} user={user} onDone={loaded.reload} />
            {c.redacted ? null : <NeedToKnow c={c} user={user} onDone={loaded.reload} />}
            <History c={c} />
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
