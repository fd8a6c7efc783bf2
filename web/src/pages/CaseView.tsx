/**
 * One case: the request with the screen's evidence highlighted in the facts, the findings with their articles,
 * the decision panel, the timeline of both sides, messages, and evidence packages.
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  FileButton,
  Grid,
  Group,
  Mark,
  MultiSelect,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { CONDITION_KINDS, GROUNDS } from '../../../src/domain/lifecycle.ts';
import { api, type Case, ok, raw, saveAs, type User } from '../api';
import { t, words } from '../i18n';
import { Link } from '../router';
import { Countdown, ErrorNote, Loading, OutcomeBadge, useLoad, VerdictBadge } from '../ui';
import { uploadFile } from '../upload';

interface Finding {
  rule: string;
  outcome: 'clear' | 'concern' | 'ground' | 'missing';
  article: string;
  reason: string;
  evidence: string[];
}

interface Request {
  facts?: string;
  purpose?: string;
  offences?: { code: string; domestic?: string; maxPenaltyYears?: number }[];
  subjects?: { name?: string; role?: string; description?: string }[];
  data?: { category: string; identifiers?: string[]; provider?: string; from?: string; to?: string }[];
  authority?: { name?: string };
  dataProtection?: { useLimitation?: string; retention?: string; onwardTransfer?: string };
}

/** The quoted words a finding cites in a field: `facts: "words"` → words. */
function quotes(findings: Finding[], field: string): string[] {
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

function RequestCard({ request, findings }: { request: Request; findings: Finding[] }) {
  return (
    <Card withBorder component="section" aria-labelledby="request-h">
      <Title order={3} id="request-h" size="h4" mb="xs">
        {t('case.request')}
      </Title>
      {request.authority?.name ? <Text size="sm">{request.authority.name}</Text> : null}
      <Title order={4} size="h5" mt="sm">
        {t('case.offences')}
      </Title>
      <ul>
        {(request.offences ?? []).map((o) => (
          <li key={`${o.code}${o.domestic}`}>
            <Code>{o.code}</Code> {o.domestic} {o.maxPenaltyYears ? `(max. ${o.maxPenaltyYears} y)` : ''}
          </li>
        ))}
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
        {(request.subjects ?? []).map((s) => (
          <li key={`${s.name}|${s.role}|${s.description}`}>
            {s.name} ({s.role}) {s.description ? `— ${s.description}` : ''}
          </li>
        ))}
      </ul>
      <Title order={4} size="h5">
        {t('case.data')}
      </Title>
      <ul>
        {(request.data ?? []).map((d) => (
          <li key={`${d.category}|${(d.identifiers ?? []).join()}|${d.provider}|${d.from}`}>
            {words(d.category)}: {(d.identifiers ?? []).join(', ')} {d.provider ? `at ${d.provider}` : ''}{' '}
            {d.from ? `${d.from} – ${d.to ?? ''}` : ''}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function Screening({ c, findings }: { c: Case; findings: Finding[] }) {
  return (
    <Card withBorder component="section" aria-labelledby="screening-h">
      <Title order={3} id="screening-h" size="h4" mb="xs">
        {t('case.screening')}
      </Title>
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
    </Card>
  );
}

const NOTE_REQUIRED = new Set([
  'consult',
  'answer-consultation',
  'refuse',
  'postpone',
  'withdraw',
  'mark-incomplete',
]);

function Actions({
  c,
  findings,
  user,
  onDone,
}: {
  c: Case;
  findings: Finding[];
  user: User;
  onDone: () => void;
}) {
  const [action, setAction] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [grounds, setGrounds] = useState<string[]>([]);
  const [acknowledged, setAcknowledged] = useState<string[]>([]);
  const [overrides, setOverrides] = useState<Record<string, string>>({});
  const [condition, setCondition] = useState({ kind: 'use-limitation', text: '', until: '' });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const concerns = findings.filter((f) => f.outcome === 'concern');
  const groundsFound = findings.filter((f) => f.outcome === 'ground');
  const actions = c.availableActions;

  const body = (): Record<string, unknown> => {
    const b: Record<string, unknown> = {};
    if (note.trim()) b.note = note.trim();
    if (action === 'refuse' || action === 'postpone') b.grounds = grounds;
    if (['accept', 'accept-with-conditions', 'refuse'].includes(action ?? '') && acknowledged.length)
      b.acknowledged = acknowledged;
    if (action === 'accept' || action === 'accept-with-conditions') {
      const o = Object.entries(overrides)
        .filter(([, j]) => j.trim())
        .map(([rule, justification]) => ({ rule, justification: justification.trim() }));
      if (o.length) b.overrides = o;
    }
    if (action === 'accept-with-conditions')
      b.conditions = [
        {
          kind: condition.kind,
          text: condition.text.trim(),
          ...(condition.kind === 'retention' && condition.until ? { until: condition.until } : {}),
        },
      ];
    if (action === 'mark-incomplete') b.missing = [];
    return b;
  };

  const run = async () => {
    if (!action) return;
    setBusy(true);
    setError(null);
    try {
      await ok(
        api.POST('/api/v1/cases/{id}/actions/{action}', {
          params: { path: { id: c.id, action } },
          body: body(),
        }),
      );
      setDone(t('action.submitted', { action: words(action) }));
      setAction(null);
      setNote('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder component="section" aria-labelledby="actions-h">
      <Title order={3} id="actions-h" size="h4" mb="xs">
        {t('case.actions')}
      </Title>
      {done ? (
        <Alert color="green" role="status" mb="xs">
          {done}
        </Alert>
      ) : null}
      {c.state === 'draft' && c.requesting === user.party ? (
        <Anchor component={Link} to={`/new/${c.id}`}>
          {t('wizard.title')}
        </Anchor>
      ) : null}
      {actions.length === 0 ? <Text size="sm">{t('case.actions.none')}</Text> : null}
      <Group gap="xs" mb="sm">
        {actions.map((a) =>
          a === 'amend' ? (
            <Button key={a} size="xs" variant="light" component={Link} to={`/new/${c.id}`}>
              {words(a)}
            </Button>
          ) : (
            <Button
              key={a}
              size="xs"
              variant={a === action ? 'filled' : 'light'}
              color={a === 'refuse' || a === 'withdraw' ? 'red' : undefined}
              onClick={() => {
                setAction(a);
                setError(null);
                setDone(null);
              }}
            >
              {words(a)}
            </Button>
          ),
        )}
      </Group>
      {action ? (
        <Stack
          gap="xs"
          component="form"
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          {action === 'refuse' || action === 'postpone' ? (
            <MultiSelect
              label={t('action.grounds')}
              data={GROUNDS.map((g) => ({ value: g, label: words(g) }))}
              value={grounds}
              onChange={setGrounds}
              required
            />
          ) : null}
          {['accept', 'accept-with-conditions', 'refuse'].includes(action)
            ? [...concerns, ...(action === 'refuse' ? groundsFound : [])].map((f) => (
                <Checkbox
                  key={f.rule}
                  label={t('action.acknowledge', { rule: words(f.rule) })}
                  checked={acknowledged.includes(f.rule)}
                  onChange={(e) =>
                    setAcknowledged(
                      e.currentTarget.checked
                        ? [...acknowledged, f.rule]
                        : acknowledged.filter((r) => r !== f.rule),
                    )
                  }
                />
              ))
            : null}
          {action === 'accept' || action === 'accept-with-conditions'
            ? groundsFound.map((f) => (
                <Textarea
                  key={f.rule}
                  label={t('action.override', { rule: words(f.rule) })}
                  value={overrides[f.rule] ?? ''}
                  onChange={(e) => setOverrides({ ...overrides, [f.rule]: e.currentTarget.value })}
                  autosize
                  minRows={2}
                />
              ))
            : null}
          {action === 'accept-with-conditions' ? (
            <Group grow align="end">
              <Select
                label={t('action.condition.kind')}
                data={CONDITION_KINDS.map((k) => ({ value: k, label: words(k) }))}
                value={condition.kind}
                onChange={(v) => setCondition({ ...condition, kind: v ?? 'other' })}
              />
              <TextInput
                label={t('action.condition.text')}
                value={condition.text}
                onChange={(e) => setCondition({ ...condition, text: e.currentTarget.value })}
                required
              />
              {condition.kind === 'retention' ? (
                <TextInput
                  type="date"
                  label={t('action.condition.until')}
                  value={condition.until}
                  onChange={(e) => setCondition({ ...condition, until: e.currentTarget.value })}
                />
              ) : null}
            </Group>
          ) : null}
          <Textarea
            label={t('action.note')}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            required={NOTE_REQUIRED.has(action)}
            autosize
            minRows={3}
          />
          {error ? <ErrorNote error={error} /> : null}
          <Group>
            <Button type="submit" loading={busy} color={action === 'refuse' ? 'red' : undefined}>
              {words(action)}
            </Button>
            <Button variant="default" onClick={() => setAction(null)}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      ) : null}
    </Card>
  );
}

function History({ c }: { c: Case }) {
  return (
    <Card withBorder component="section" aria-labelledby="timeline-h">
      <Title order={3} id="timeline-h" size="h4" mb="xs">
        {t('case.timeline')}
      </Title>
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
    </Card>
  );
}

interface PackageView {
  id: string;
  side: 'produced' | 'received';
  status: string;
  producer: string;
  manifestSha256: string | null;
  retentionUntil: string | null;
  files: {
    idx: number;
    name: string;
    size: number;
    sha256: string;
    status: string;
    bytesHeld: number | null;
  }[];
}

function Evidence({ c, user }: { c: Case; user: User }) {
  const caseId = c.id;
  const packages = useLoad(
    () => ok(api.GET('/api/v1/cases/{id}/evidence', { params: { path: { id: caseId } } })),
    [caseId],
  );
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const canAttach =
    c.state === 'executing' &&
    c.requested === user.party &&
    (user.roles.includes('executor') ||
      user.roles.includes('reviewer') ||
      (user.roles.includes('contact-24-7') && c.channel === '24-7'));
  const attach = async (files: File[]) => {
    setError(null);
    try {
      const open = (packages.data?.items as PackageView[] | undefined)?.find(
        (p) => p.side === 'produced' && p.status === 'open',
      );
      const pkg =
        open?.id ??
        (await ok(api.POST('/api/v1/cases/{id}/evidence', { params: { path: { id: caseId } } }))).id;
      for (const f of files)
        await uploadFile(pkg, f, (phase, done) =>
          setProgress(
            t('case.evidence.progress', { name: f.name, phase, percent: Math.floor((done / f.size) * 100) }),
          ),
        );
      setProgress(null);
      packages.reload();
    } catch (e) {
      setProgress(null);
      setError(e);
      packages.reload();
    }
  };
  const seal = async (pkg: string) => {
    setError(null);
    try {
      await ok(api.POST('/api/v1/evidence/{pkg}/seal', { params: { path: { pkg } }, body: {} }));
      packages.reload();
    } catch (e) {
      setError(e);
    }
  };
  const download = async (path: string, name: string) => {
    setError(null);
    try {
      await saveAs(await raw(path), name);
    } catch (e) {
      setError(e);
    }
  };
  const items = (packages.data?.items ?? []) as PackageView[];
  return (
    <Card withBorder component="section" aria-labelledby="evidence-h">
      <Title order={3} id="evidence-h" size="h4" mb="xs">
        {t('case.evidence')}
      </Title>
      {packages.error ? <ErrorNote error={packages.error} /> : null}
      {error ? <ErrorNote error={error} /> : null}
      {packages.data && items.length === 0 ? <Text size="sm">{t('case.evidence.none')}</Text> : null}
      {canAttach ? (
        <Group mb="sm">
          <FileButton onChange={(files) => void attach(files)} multiple>
            {(props) => (
              <Button {...props} size="xs" disabled={progress !== null}>
                {t('case.evidence.attach')}
              </Button>
            )}
          </FileButton>
          {progress ? (
            <Text size="sm" role="status">
              {progress}
            </Text>
          ) : null}
        </Group>
      ) : null}
      {items.map((p) => (
        <Stack key={p.id} gap={4} mb="sm">
          <Group gap="xs">
            <Code>{p.id}</Code>
            <Badge>{p.status}</Badge>
            {p.retentionUntil ? (
              <Text size="xs">{t('case.evidence.retention', { date: p.retentionUntil })}</Text>
            ) : null}
            {p.side === 'produced' && p.status === 'open' && p.files.some((f) => f.status === 'sealed') ? (
              <Button size="compact-xs" onClick={() => void seal(p.id)}>
                {t('case.evidence.seal', { party: c.requesting })}
              </Button>
            ) : null}
          </Group>
          {p.manifestSha256 ? (
            <Text size="xs" ff="monospace">
              {t('case.evidence.manifest', { hash: p.manifestSha256 })}
            </Text>
          ) : null}
          <Table>
            <Table.Tbody>
              {p.files.map((f) => (
                <Table.Tr key={f.idx}>
                  <Table.Td>{f.name}</Table.Td>
                  <Table.Td>{(f.size / 1024).toFixed(1)} KiB</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {f.sha256.slice(0, 16)}…
                    </Text>
                  </Table.Td>
                  <Table.Td>{f.status}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {p.side === 'received' && p.status === 'received' ? (
                        <Button
                          size="compact-xs"
                          onClick={() =>
                            void download(`/api/v1/evidence/${p.id}/files/${f.idx}/content`, f.name)
                          }
                        >
                          {t('case.evidence.open')}
                        </Button>
                      ) : null}
                      {(p.side === 'received' && f.status === 'received') ||
                      (p.side === 'produced' && f.status !== 'uploading') ? (
                        <Button
                          size="compact-xs"
                          variant="default"
                          onClick={() =>
                            void download(`/api/v1/evidence/${p.id}/files/${f.idx}/sealed`, `${f.name}.age`)
                          }
                        >
                          {t('case.evidence.sealed')}
                        </Button>
                      ) : null}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      ))}
    </Card>
  );
}

/**
 * Need-to-know: the case can be closed to everyone else on this node (officers, reviewers and administrators
 * restrict; oversight still sees it redacted). The restriction stays on this node.
 */
/**
 * Need-to-know: restrict the case to named colleagues of this node (whoever restricts it stays among them), change
 * who they are, or lift the restriction. Everyone else here loses sight of the case; oversight sees it redacted.
 */
function NeedToKnow({ c, user, onDone }: { c: Case; user: User; onDone: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const may = user.roles.some((r) => r === 'officer' || r === 'reviewer' || r === 'admin');
  const restricted = c.restrictedTo ?? null;
  const candidates = useLoad(
    async () =>
      may
        ? (await ok(api.GET('/api/v1/cases/{id}/restriction/candidates', { params: { path: { id: c.id } } })))
            .items
        : [],
    [c.id, may],
  );
  const [chosen, setChosen] = useState<string[]>(restricted ?? [user.id]);
  if (!may && !restricted) return null;
  const nameOf = (id: string) => candidates.data?.find((u) => u.id === id)?.name ?? id;
  const set = async (users: string[] | null) => {
    setBusy(true);
    setError(null);
    try {
      await ok(
        api.PUT('/api/v1/cases/{id}/restriction', { params: { path: { id: c.id } }, body: { users } }),
      );
      if (!users) setChosen([user.id]);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const same =
    restricted !== null && restricted.length === chosen.length && chosen.every((u) => restricted.includes(u));
  return (
    <Card withBorder component="section" aria-labelledby="ntk-h">
      <Title order={3} id="ntk-h" size="h4" mb="xs">
        {t('case.needToKnow')}
      </Title>
      {error ? <ErrorNote error={error} /> : null}
      <Text size="sm" mb="xs">
        {restricted ? t('case.restrictedTo', { count: String(restricted.length) }) : t('case.unrestricted')}
      </Text>
      {restricted ? (
        <Group gap={4} mb="xs" data-testid="restricted-to">
          {restricted.map((id) => (
            <Badge key={id} variant="light">
              {nameOf(id)}
            </Badge>
          ))}
        </Group>
      ) : null}
      {may ? (
        <Stack gap="xs">
          {candidates.error ? <ErrorNote error={candidates.error} /> : null}
          <MultiSelect
            label={t('case.restrictUsers')}
            description={t('case.restrictUsers.hint')}
            searchable
            data={(candidates.data ?? []).map((u) => ({
              value: u.id,
              label: `${u.name} (${u.roles.map((r) => words(r)).join(', ')})`,
              disabled: u.id === user.id,
            }))}
            value={chosen}
            onChange={(v) => setChosen(v.includes(user.id) ? v : [user.id, ...v])}
          />
          <Group gap="xs">
            <Button
              size="xs"
              variant="default"
              loading={busy}
              disabled={same}
              onClick={() => void set(chosen)}
            >
              {restricted ? t('case.changeRestriction') : t('case.restrict')}
            </Button>
            {restricted ? (
              <Button size="xs" variant="default" loading={busy} onClick={() => void set(null)}>
                {t('case.liftRestriction')}
              </Button>
            ) : null}
          </Group>
        </Stack>
      ) : null}
    </Card>
  );
}
