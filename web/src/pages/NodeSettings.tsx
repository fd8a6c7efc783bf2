/** This node's own settings, edited by its administrator: its party profile and its screening policy, each change with a note. */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import type React from 'react';
import { useState } from 'react';
import {
  INSTRUMENTS,
  INTENT_ELEMENTS,
  INTENT_OFFENCES,
  OFFENCE_CODES,
  type OffenceCode,
} from '../../../src/domain/catalogue.ts';
import { RULE_NAMES } from '../../../src/domain/safeguards/types.ts';
import { api, ok } from '../api';
import { t, words } from '../i18n';
import { ErrorNote, Loading, useLoad } from '../ui';

/** The administrator's editor for the node's profile and screening policy; the node validates and records every change. */
export function OwnSettings() {
  return (
    <Card withBorder component="section" aria-labelledby="own-settings-h">
      <Title order={3} size="h4" mb="xs" id="own-settings-h">
        {t('parties.profile')}
      </Title>
      <Stack gap="lg">
        <ProfileForm />
        <PolicyForm />
      </Stack>
    </Card>
  );
}

/**
 * One of the node's settings being edited: the value loaded from the node with the user's changes over it, and
 * the form around the fields (heading, the reason for the change, the node's answer, Save).
 */
function useSetting<T>(load: () => Promise<T>, put: (value: T, note: string) => Promise<unknown>) {
  const current = useLoad(load, []);
  const [draft, setDraft] = useState<T | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const value = draft ?? current.data ?? null;
  const save = async () => {
    if (value === null) return;
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      await put(value, note);
      setDraft(null);
      setSaved(true);
      setNote('');
      current.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const form = (id: string, title: string, fields: React.ReactNode) => (
    <form
      aria-labelledby={id}
      onSubmit={(ev) => {
        ev.preventDefault();
        void save();
      }}
    >
      <Stack gap="sm">
        <Title order={4} size="h5" id={id}>
          {title}
        </Title>
        {fields}
        <TextInput label={t('parties.why')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        {error ? <ErrorNote error={error} /> : null}
        {saved ? (
          <Alert color="green" role="status">
            {t('parties.saved')}
          </Alert>
        ) : null}
        <Group>
          <Button type="submit" loading={busy}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
  return { value, setDraft, loadError: current.error, form };
}

const withNote = (note: string) => (note ? { note } : {});

type Profile = NonNullable<Awaited<ReturnType<typeof loadProfile>>>;
type Law = NonNullable<Profile['law']>;
type Status = 'ratified' | 'signed' | 'none';
const loadProfile = () => ok(api.GET('/api/v1/node/profile'));

function ProfileForm() {
  const { value, setDraft, loadError, form } = useSetting(
    loadProfile,
    async ({ code: _, ...profile }, note) =>
      ok(api.PUT('/api/v1/node/profile', { body: { ...profile, ...withNote(note) } })),
  );
  if (loadError) return <ErrorNote error={loadError} />;
  if (!value) return <Loading />;
  const set = (change: Partial<Profile>) => setDraft({ ...value, ...change });
  const law: Law = value.law ?? {};
  const setLaw = (code: OffenceCode, entry: Law[OffenceCode] | undefined) => {
    const next = { ...law };
    if (entry) next[code] = entry;
    else delete next[code];
    set({ law: next });
  };
  const statuses = (['ratified', 'signed', 'none'] as const).map((v) => ({
    value: v,
    label: t(`parties.status.${v}`),
  }));
  return form(
    'profile-h',
    t('parties.profile.title', { code: value.code }),
    <>
      <TextInput
        label={t('parties.name')}
        value={value.name ?? ''}
        onChange={(e) => set({ name: e.currentTarget.value })}
      />
      <Group grow>
        {INSTRUMENTS.map((i) => (
          <Select
            key={i}
            label={t('parties.instrument', { instrument: i })}
            data={statuses}
            allowDeselect={false}
            value={value.instruments[i] ?? 'none'}
            onChange={(v) => set({ instruments: { ...value.instruments, [i]: (v ?? 'none') as Status } })}
          />
        ))}
      </Group>
      <Checkbox
        label={t('parties.abolitionist')}
        checked={value.abolitionist ?? false}
        onChange={(e) => set({ abolitionist: e.currentTarget.checked })}
      />
      <Checkbox
        label={t('parties.declaration.dualCriminalityForPreservation')}
        checked={value.declarations?.dualCriminalityForPreservation ?? false}
        onChange={(e) =>
          set({
            declarations: {
              ...value.declarations,
              dualCriminalityForPreservation: e.currentTarget.checked,
            },
          })
        }
      />
      <Checkbox
        label={t('parties.declaration.dishonestIntentForAccess')}
        checked={value.declarations?.dishonestIntentForAccess ?? false}
        onChange={(e) =>
          set({
            declarations: { ...value.declarations, dishonestIntentForAccess: e.currentTarget.checked },
          })
        }
      />
      <TextInput
        label={t('parties.centralAuthority')}
        value={value.centralAuthority ?? ''}
        onChange={(e) => set({ centralAuthority: e.currentTarget.value })}
      />
      <TextInput
        label={t('parties.contact247')}
        value={value.contact247 ?? ''}
        onChange={(e) => set({ contact247: e.currentTarget.value })}
      />
      <TagsInput
        label={t('parties.languages')}
        description={t('parties.languages.hint')}
        value={value.languages ?? []}
        onChange={(languages) => set({ languages })}
      />
      <Table.ScrollContainer minWidth={820}>
        <Table aria-labelledby="law-h">
          <Table.Caption id="law-h">{t('parties.law.caption')}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('parties.law.offence')}</Table.Th>
              <Table.Th>{t('parties.law.criminalised')}</Table.Th>
              <Table.Th>{t('parties.law.maxPenalty')}</Table.Th>
              <Table.Th>{t('parties.law.statute')}</Table.Th>
              <Table.Th>{t('parties.law.requires')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {OFFENCE_CODES.map((code) => {
              const entry = law[code];
              return (
                <Table.Tr key={code}>
                  <Table.Td>
                    <Code>{code}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={t('parties.law.criminalisedOf', { code })}
                      data={[
                        { value: 'unknown', label: t('parties.law.unknown') },
                        { value: 'yes', label: t('common.yes') },
                        { value: 'no', label: t('common.no') },
                      ]}
                      allowDeselect={false}
                      value={entry ? (entry.criminalised ? 'yes' : 'no') : 'unknown'}
                      onChange={(v) =>
                        setLaw(
                          code,
                          v === 'unknown' || !v ? undefined : { ...entry, criminalised: v === 'yes' },
                        )
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    <NumberInput
                      aria-label={t('parties.law.maxPenaltyOf', { code })}
                      min={0}
                      max={100}
                      disabled={!entry}
                      value={entry?.maxPenaltyYears ?? ''}
                      onChange={(v) =>
                        entry &&
                        setLaw(code, {
                          ...entry,
                          maxPenaltyYears: typeof v === 'number' ? v : undefined,
                        })
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={t('parties.law.statuteOf', { code })}
                      disabled={!entry}
                      value={entry?.statute ?? ''}
                      onChange={(e) =>
                        entry && setLaw(code, { ...entry, statute: e.currentTarget.value || undefined })
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    <TagsInput
                      aria-label={t('parties.law.requiresOf', { code })}
                      aria-describedby="law-requires-hint"
                      disabled={!entry}
                      data={INTENT_OFFENCES.includes(code) ? [...INTENT_ELEMENTS] : []}
                      maxTags={20}
                      value={entry?.requires ?? []}
                      onChange={(typed) => {
                        if (!entry) return;
                        const requires = [...new Set(typed.map(elementName).filter(Boolean))];
                        setLaw(code, { ...entry, requires: requires.length > 0 ? requires : undefined });
                      }}
                    />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text id="law-requires-hint" size="sm" c="dimmed">
        {t('parties.law.requires.hint', {
          elements: INTENT_ELEMENTS.join(', '),
          offences: INTENT_OFFENCES.join(', '),
        })}
      </Text>
    </>,
  );
}

/** An element as the screening rules spell it: "Dishonest intent " → "dishonest-intent" (at most 60 characters). */
const elementName = (typed: string) =>
  typed
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .slice(0, 60);

const loadPolicy = () => ok(api.GET('/api/v1/node/policy'));
const THRESHOLDS = [
  ['proportionality', 'maxIdentifiers', 1, 100_000],
  ['proportionality', 'maxPeriodDays', 1, 36_500],
  ['proportionality', 'maxCollectionDays', 1, 3650],
  ['seriousness', 'realTimeMinYears', 0, 100],
  ['seriousness', 'interceptionMinYears', 0, 100],
] as const;

function PolicyForm() {
  const { value, setDraft, loadError, form } = useSetting(loadPolicy, (policy, note) =>
    ok(api.PUT('/api/v1/node/policy', { body: { ...policy, ...withNote(note) } })),
  );
  if (loadError) return <ErrorNote error={loadError} />;
  if (!value) return <Loading />;
  return form(
    'policy-h',
    t('parties.policy.title'),
    <>
      <Text size="sm" c="dimmed">
        {t('parties.policy.hint')}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={4}>
        {RULE_NAMES.map((rule) => (
          <Checkbox
            key={rule}
            label={words(rule)}
            checked={value.rules[rule] ?? true}
            onChange={(e) =>
              setDraft({ ...value, rules: { ...value.rules, [rule]: e.currentTarget.checked } })
            }
          />
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {THRESHOLDS.map(([group, key, min, max]) => (
          <NumberInput
            key={key}
            label={t(`parties.policy.${key}`)}
            min={min}
            max={max}
            allowDecimal={group === 'seriousness'}
            value={(value[group] as Record<string, number | undefined>)[key] ?? ''}
            onChange={(v) =>
              setDraft({
                ...value,
                [group]: { ...value[group], [key]: typeof v === 'number' ? v : undefined },
              })
            }
          />
        ))}
      </SimpleGrid>
    </>,
  );
}
