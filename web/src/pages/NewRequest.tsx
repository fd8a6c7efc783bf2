/**
 * The new-request wizard: type and parties, offences, facts and purpose, subjects and data, review. Beside the
 * form, a live pre-flight shows what the requested party's screen will say (POST /api/v1/screening, with the
 * profile and policy that party publishes). Drafts are saved on the node; submitting sends the request.
 */
import {
  Alert,
  Button,
  Fieldset,
  Grid,
  Group,
  NumberInput,
  Select,
  Stack,
  Stepper,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import {
  CHANNELS,
  INSTRUMENTS,
  OFFENCE_CODES,
  offences,
  REQUEST_TYPES,
  URGENCIES,
} from '../../../src/domain/catalogue.ts';
import { type ActionBody, act, api, ok, type User } from '../api';
import { t, words } from '../i18n';
import { navigate } from '../router';
import { ErrorNote, Loading, useLoad } from '../ui';
import {
  type Draft,
  emptyDataItem,
  emptyDraft,
  emptyOffence,
  fromRequest,
  TERMS,
  toRequest,
} from './wizard/draft';
import { Preflight } from './wizard/Preflight';
import { Review } from './wizard/Review';
import { SubjectsStep } from './wizard/SubjectsStep';

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
    ? fromRequest(existing.data.request as Record<string, unknown>, user.party)
    : preset === 'preservation'
      ? {
          ...emptyDraft(user.party),
          type: 'preservation',
          urgency: 'emergency',
          data: [emptyDataItem('traffic')],
        }
      : emptyDraft(user.party);
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
    const body = toRequest(d) as never;
    if (id) {
      await ok(api.PUT('/api/v1/cases/{id}', { params: { path: { id } }, body }));
      return id;
    }
    const created = await ok(api.POST('/api/v1/cases', { body }));
    setId(created.id);
    window.history.replaceState(null, '', `/new/${created.id}`);
    return created.id;
  };
  const saveOrSubmit = async (submit: boolean) => {
    setBusy(true);
    setError(null);
    try {
      if (amending && id) {
        await act(id, 'amend', {
          request: toRequest(d) as ActionBody<'amend'>['request'],
          ...(note.trim() ? { note: note.trim() } : {}),
        });
        navigate(`/cases/${id}`);
        return;
      }
      const caseId = await save();
      setSaved(true);
      if (submit) {
        await act(caseId, 'submit', {});
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
                <Group grow align="end">
                  <Select
                    label={t('wizard.channel')}
                    data={[
                      { value: '', label: t('wizard.channel.none') },
                      ...CHANNELS.map((c) => ({ value: c, label: words(c) })),
                    ]}
                    value={d.channel}
                    onChange={(v) => set({ channel: v ?? '' })}
                  />
                  <TextInput
                    label={t('wizard.language')}
                    value={d.language}
                    onChange={(e) => set({ language: e.currentTarget.value })}
                  />
                  <Switch
                    label={t('wizard.confidential')}
                    checked={d.confidential}
                    onChange={(e) => set({ confidential: e.currentTarget.checked })}
                  />
                </Group>
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
                <Button variant="default" onClick={() => set({ offences: [...d.offences, emptyOffence()] })}>
                  +
                </Button>
                <Switch
                  label={t('wizard.deathPenalty')}
                  checked={d.deathPenaltyPossible}
                  onChange={(e) => set({ deathPenaltyPossible: e.currentTarget.checked })}
                />
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
              <SubjectsStep d={d} set={set} />
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
                <Button
                  variant="default"
                  loading={busy}
                  onClick={() => void saveOrSubmit(false)}
                  disabled={!d.to}
                >
                  {t('wizard.saveDraft')}
                </Button>
              )}
              {step === 4 ? (
                <Button loading={busy} onClick={() => void saveOrSubmit(true)} disabled={!d.to}>
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
