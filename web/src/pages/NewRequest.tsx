/**
 * The new-request wizard: type and parties, offences, facts and purpose, subjects and data, review. Beside the
 * form, a live pre-flight shows what the requested party's screen will say (POST /api/v1/screening, with the
 * profile and policy that party publishes). Drafts are saved on the node; submitting sends the request.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Fieldset,
  Grid,
  Group,
  NumberInput,
  Select,
  Stack,
  Stepper,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import {
  INSTRUMENTS,
  OFFENCE_CODES,
  offences,
  REQUEST_TYPES,
  URGENCIES,
} from '../../../src/domain/catalogue.ts';
import { DATA_CATEGORIES, SUBJECT_ROLES } from '../../../src/domain/request.ts';
import { ApiError, api, ok, type User } from '../api';
import { t, words } from '../i18n';
import { navigate } from '../router';
import { ErrorNote, Loading, OutcomeBadge, useLoad, VerdictBadge } from '../ui';

interface Draft {
  type: string;
  instrument: string;
  from: string;
  to: string;
  urgency: string;
  authority: { name: string; contact: string };
  offences: { code: string; domestic: string; maxPenaltyYears?: number }[];
  facts: string;
  purpose: string;
  subjects: { name: string; role: string; description: string }[];
  data: { category: string; identifiers: string[]; provider: string; from: string; to: string }[];
  /** The structured data-protection terms (issue 15): each optional; the screen also reads them in the purpose. */
  dataProtection: { useLimitation: string; retention: string; onwardTransfer: string };
}

const TERMS = ['useLimitation', 'retention', 'onwardTransfer'] as const;

const empty = (from: string): Draft => ({
  type: 'stored-data',
  instrument: 'UNCC',
  from,
  to: '',
  urgency: 'routine',
  authority: { name: '', contact: '' },
  offences: [{ code: 'UNCC-ILLEGAL-ACCESS', domestic: '' }],
  facts: '',
  purpose: '',
  subjects: [{ name: '', role: 'suspect', description: '' }],
  data: [{ category: 'subscriber', identifiers: [], provider: '', from: '', to: '' }],
  dataProtection: { useLimitation: '', retention: '', onwardTransfer: '' },
});

/** The request as the API takes it: empty optional fields left out. */
function toRequest(d: Draft) {
  const opt = (s: string) => (s.trim() ? s.trim() : undefined);
  return {
    type: d.type,
    instrument: d.instrument,
    from: d.from,
    to: d.to,
    urgency: d.urgency,
    authority: { name: opt(d.authority.name), contact: opt(d.authority.contact) },
    offences: d.offences.map((o) => ({
      code: o.code,
      domestic: opt(o.domestic),
      maxPenaltyYears: o.maxPenaltyYears,
    })),
    facts: d.facts,
    purpose: d.purpose,
    subjects: d.subjects
      .filter((s) => s.name.trim())
      .map((s) => ({ name: s.name.trim(), role: s.role, description: opt(s.description) })),
    data: d.data.map((x) => ({
      category: x.category,
      identifiers: x.identifiers.filter(Boolean),
      provider: opt(x.provider),
      from: opt(x.from),
      to: opt(x.to),
    })),
    // Only the terms given; none at all leaves the field out.
    ...(TERMS.some((k) => d.dataProtection[k].trim())
      ? { dataProtection: Object.fromEntries(TERMS.map((k) => [k, opt(d.dataProtection[k])])) }
      : {}),
  } as never;
}

function fromRequest(r: Record<string, unknown>, from: string): Draft {
  const base = empty(from);
  const req = r as Partial<Draft> & {
    authority?: Partial<Draft['authority']>;
    dataProtection?: Partial<Draft['dataProtection']>;
  };
  return {
    ...base,
    ...req,
    authority: { name: req.authority?.name ?? '', contact: req.authority?.contact ?? '' },
    offences: (req.offences ?? []).map((o) => ({ ...o, domestic: o.domestic ?? '' })),
    subjects: (req.subjects ?? []).map((s) => ({ ...s, description: s.description ?? '' })),
    data: (req.data ?? []).map((x) => ({
      category: x.category,
      identifiers: x.identifiers ?? [],
      provider: x.provider ?? '',
      from: x.from ?? '',
      to: x.to ?? '',
    })),
    dataProtection: {
      useLimitation: req.dataProtection?.useLimitation ?? '',
      retention: req.dataProtection?.retention ?? '',
      onwardTransfer: req.dataProtection?.onwardTransfer ?? '',
    },
  } as Draft;
}

export function NewRequest({ user, draftId }: { user: User; draftId?: string }) {
  const existing = useLoad(
    () =>
      draftId
        ? ok(api.GET('/api/v1/cases/{id}', { params: { path: { id: draftId } } }))
        : Promise.resolve(null),
    [draftId],
  );
  if (existing.error) return <ErrorNote error={existing.error} />;
  if (existing.loading) return <Loading />;
  const preset = new URLSearchParams(window.location.search).get('preset');
  const initial = existing.data
    ? fromRequest(existing.data.request, user.party)
    : preset === 'preservation'
      ? {
          ...empty(user.party),
          type: 'preservation',
          urgency: 'emergency',
          data: [{ ...empty('').data[0]!, category: 'traffic' }],
        }
      : empty(user.party);
  // A request the requested party marked incomplete is amended and resubmitted in the same wizard.
  const amending = existing.data?.state === 'incomplete';
  return (
    <Wizard key={draftId ?? 'new'} user={user} initial={initial} draftId={draftId} amending={amending} />
  );
}

function Wizard({
  user,
  initial,
  draftId,
  amending,
}: {
  user: User;
  initial: Draft;
  draftId?: string | undefined;
  amending: boolean;
}) {
  const [note, setNote] = useState('');
  const [d, setD] = useState<Draft>(initial);
  const [step, setStep] = useState(0);
  const [id, setId] = useState<string | undefined>(draftId);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const parties = useLoad(
    () => ok(api.GET('/api/v1/parties', { params: { query: { federation: 'true' } } })),
    [],
  );
  const others = (parties.data?.items ?? []).filter((p) => p.code !== user.party);
  const target = others.find((p) => p.code === d.to);
  const set = (patch: Partial<Draft>) => {
    setSaved(false);
    setD({ ...d, ...patch });
  };

  const save = async (): Promise<string> => {
    const body = toRequest(d);
    if (id) {
      await ok(api.PUT('/api/v1/cases/{id}', { params: { path: { id } }, body }));
      return id;
    }
    const created = await ok(api.POST('/api/v1/cases', { body }));
    setId(created.id);
    window.history.replaceState(null, '', `/new/${created.id}`);
    return created.id;
  };
  const act = async (submit: boolean) => {
    setBusy(true);
    setError(null);
    try {
      if (amending && id) {
        await ok(
          api.POST('/api/v1/cases/{id}/actions/{action}', {
            params: { path: { id, action: 'amend' } },
            body: { request: toRequest(d), ...(note.trim() ? { note: note.trim() } : {}) },
          }),
        );
        navigate(`/cases/${id}`);
        return;
      }
      const caseId = await save();
      setSaved(true);
      if (submit) {
        await ok(
          api.POST('/api/v1/cases/{id}/actions/{action}', {
            params: { path: { id: caseId, action: 'submit' } },
            body: {},
          }),
        );
        navigate(`/cases/${caseId}`);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Grid>
      <Grid.Col span={{ base: 12, lg: 8 }}>
        <Stack>
          <Title order={2}>{t('wizard.title')}</Title>
          <Stepper active={step} onStepClick={setStep} size="sm">
            <Stepper.Step label={t('wizard.step.basics')}>
              <Stack>
                <Group grow>
                  <Select
                    label={t('wizard.type')}
                    data={REQUEST_TYPES.map((v) => ({ value: v, label: words(v) }))}
                    value={d.type}
                    onChange={(v) => set({ type: v ?? d.type })}
                  />
                  <Select
                    label={t('wizard.instrument')}
                    data={[...INSTRUMENTS]}
                    value={d.instrument}
                    onChange={(v) => set({ instrument: v ?? d.instrument })}
                  />
                  <Select
                    label={t('wizard.urgency')}
                    data={[...URGENCIES]}
                    value={d.urgency}
                    onChange={(v) => set({ urgency: v ?? d.urgency })}
                  />
                </Group>
                <Select
                  label={t('wizard.to')}
                  data={others.map((p) => ({ value: p.code, label: `${p.name} (${p.code})` }))}
                  value={d.to || null}
                  onChange={(v) => set({ to: v ?? '' })}
                  searchable
                  required
                />
                {target ? (
                  <Text size="sm" data-testid="party-status">
                    {t('wizard.party.status', {
                      status: Object.entries(
                        (target as { instruments?: Record<string, string> }).instruments ?? {},
                      )
                        .map(([k, v]) => `${k} ${v}`)
                        .join(', '),
                    })}
                  </Text>
                ) : null}
                <Group grow>
                  <TextInput
                    label={t('wizard.authority')}
                    value={d.authority.name}
                    onChange={(e) => set({ authority: { ...d.authority, name: e.currentTarget.value } })}
                  />
                  <TextInput
                    label={t('wizard.contact')}
                    value={d.authority.contact}
                    onChange={(e) => set({ authority: { ...d.authority, contact: e.currentTarget.value } })}
                  />
                </Group>
              </Stack>
            </Stepper.Step>
            <Stepper.Step label={t('wizard.step.offences')}>
              <Stack>
                {d.offences.map((o, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form have no identity but their place
                  <Group key={`offence-${i}`} grow align="end">
                    <Select
                      label={t('wizard.offence.code')}
                      data={OFFENCE_CODES.map((c) => ({
                        value: c,
                        label: offences.find((x) => x.code === c)?.title ?? c,
                      }))}
                      value={o.code}
                      searchable
                      onChange={(v) =>
                        set({
                          offences: d.offences.map((x, j) => (j === i ? { ...x, code: v ?? x.code } : x)),
                        })
                      }
                    />
                    <TextInput
                      label={t('wizard.offence.domestic')}
                      value={o.domestic}
                      onChange={(e) =>
                        set({
                          offences: d.offences.map((x, j) =>
                            j === i ? { ...x, domestic: e.currentTarget.value } : x,
                          ),
                        })
                      }
                    />
                    <NumberInput
                      label={t('wizard.offence.penalty')}
                      value={o.maxPenaltyYears ?? ''}
                      min={0}
                      max={100}
                      onChange={(v) =>
                        set({
                          offences: d.offences.map((x, j) =>
                            j === i ? { ...x, maxPenaltyYears: typeof v === 'number' ? v : undefined } : x,
                          ),
                        })
                      }
                    />
                  </Group>
                ))}
                <Button
                  variant="default"
                  onClick={() =>
                    set({ offences: [...d.offences, { code: 'UNCC-ILLEGAL-ACCESS', domestic: '' }] })
                  }
                >
                  +
                </Button>
              </Stack>
            </Stepper.Step>
            <Stepper.Step label={t('wizard.step.facts')}>
              <Stack>
                <Textarea
                  label={t('wizard.facts')}
                  value={d.facts}
                  onChange={(e) => set({ facts: e.currentTarget.value })}
                  autosize
                  minRows={6}
                />
                <Textarea
                  label={t('wizard.purpose')}
                  value={d.purpose}
                  onChange={(e) => set({ purpose: e.currentTarget.value })}
                  autosize
                  minRows={4}
                />
                <Fieldset legend={t('wizard.dataProtection')}>
                  <Text size="sm" c="dimmed" mb="xs">
                    {t('wizard.dataProtection.help')}
                  </Text>
                  {TERMS.map((k) => (
                    <Textarea
                      key={k}
                      label={t(`wizard.dataProtection.${k}`)}
                      value={d.dataProtection[k]}
                      onChange={(e) =>
                        set({ dataProtection: { ...d.dataProtection, [k]: e.currentTarget.value } })
                      }
                      autosize
                      minRows={1}
                    />
                  ))}
                </Fieldset>
              </Stack>
            </Stepper.Step>
            <Stepper.Step label={t('wizard.step.subjects')}>
              <Stack>
                {d.subjects.map((s, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form have no identity but their place
                  <Group key={`subject-${i}`} grow align="end">
                    <TextInput
                      label={t('wizard.subject.name')}
                      value={s.name}
                      onChange={(e) =>
                        set({
                          subjects: d.subjects.map((x, j) =>
                            j === i ? { ...x, name: e.currentTarget.value } : x,
                          ),
                        })
                      }
                    />
                    <Select
                      label={t('wizard.subject.role')}
                      data={SUBJECT_ROLES.map((r) => ({ value: r, label: words(r) }))}
                      value={s.role}
                      onChange={(v) =>
                        set({
                          subjects: d.subjects.map((x, j) => (j === i ? { ...x, role: v ?? x.role } : x)),
                        })
                      }
                    />
                    <TextInput
                      label={t('wizard.subject.description')}
                      value={s.description}
                      onChange={(e) =>
                        set({
                          subjects: d.subjects.map((x, j) =>
                            j === i ? { ...x, description: e.currentTarget.value } : x,
                          ),
                        })
                      }
                    />
                  </Group>
                ))}
                {d.data.map((x, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form have no identity but their place
                  <Card withBorder key={`data-${i}`}>
                    <Group grow align="end">
                      <Select
                        label={t('wizard.data.category')}
                        data={DATA_CATEGORIES.map((c) => ({ value: c, label: c }))}
                        value={x.category}
                        onChange={(v) =>
                          set({
                            data: d.data.map((y, j) => (j === i ? { ...y, category: v ?? y.category } : y)),
                          })
                        }
                      />
                      <TextInput
                        label={t('wizard.data.provider')}
                        value={x.provider}
                        onChange={(e) =>
                          set({
                            data: d.data.map((y, j) =>
                              j === i ? { ...y, provider: e.currentTarget.value } : y,
                            ),
                          })
                        }
                      />
                      <TextInput
                        type="date"
                        label={t('wizard.data.from')}
                        value={x.from}
                        onChange={(e) =>
                          set({
                            data: d.data.map((y, j) => (j === i ? { ...y, from: e.currentTarget.value } : y)),
                          })
                        }
                      />
                      <TextInput
                        type="date"
                        label={t('wizard.data.to')}
                        value={x.to}
                        onChange={(e) =>
                          set({
                            data: d.data.map((y, j) => (j === i ? { ...y, to: e.currentTarget.value } : y)),
                          })
                        }
                      />
                    </Group>
                    <Textarea
                      label={t('wizard.data.identifiers')}
                      value={x.identifiers.join('\n')}
                      onChange={(e) =>
                        set({
                          data: d.data.map((y, j) =>
                            j === i ? { ...y, identifiers: e.currentTarget.value.split('\n') } : y,
                          ),
                        })
                      }
                      autosize
                      minRows={2}
                    />
                  </Card>
                ))}
              </Stack>
            </Stepper.Step>
            <Stepper.Completed>
              <Review d={d} />
              {amending ? (
                <Textarea
                  label={t('wizard.amendNote')}
                  value={note}
                  onChange={(e) => setNote(e.currentTarget.value)}
                  autosize
                  minRows={2}
                />
              ) : null}
            </Stepper.Completed>
          </Stepper>
          {error ? <ErrorNote error={error} /> : null}
          {saved ? (
            <Alert color="green" role="status">
              {t('wizard.saved')}
            </Alert>
          ) : null}
          <Group justify="space-between">
            <Group>
              <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>
                {t('common.back')}
              </Button>
              {step < 4 ? <Button onClick={() => setStep(step + 1)}>{t('common.next')}</Button> : null}
            </Group>
            <Group>
              {amending ? null : (
                <Button variant="default" loading={busy} onClick={() => void act(false)} disabled={!d.to}>
                  {t('wizard.saveDraft')}
                </Button>
              )}
              {step === 4 ? (
                <Button loading={busy} onClick={() => void act(true)} disabled={!d.to}>
                  {amending ? t('wizard.amend', { party: d.to }) : t('wizard.submit', { party: d.to })}
                </Button>
              ) : null}
            </Group>
          </Group>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 4 }}>
        <Preflight d={d} />
      </Grid.Col>
    </Grid>
  );
}

function Review({ d }: { d: Draft }) {
  const rows: [string, string][] = [
    [t('wizard.type'), `${words(d.type)} (${d.instrument}, ${d.urgency})`],
    [t('wizard.to'), d.to],
    [t('wizard.step.offences'), d.offences.map((o) => `${o.code} ${o.domestic}`).join('; ')],
    [t('wizard.facts'), d.facts],
    [t('wizard.purpose'), d.purpose],
    ...TERMS.filter((k) => d.dataProtection[k].trim()).map(
      (k) => [t(`wizard.dataProtection.${k}`), d.dataProtection[k]] as [string, string],
    ),
    [t('case.subjects'), d.subjects.map((s) => `${s.name} (${s.role})`).join('; ')],
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

/** The requested party's screen, run as the user types (debounced). */
function Preflight({ d }: { d: Draft }) {
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
