/** The actions this user may take on the case now, each with the details its table entry asks for. */
import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { CONDITION_KINDS, GROUNDS } from '../../../../src/domain/lifecycle.ts';
import type { Finding } from '../../api';
import { type ActionBody, type ActionName, act, type Case, type User } from '../../api';
import { t, words } from '../../i18n';
import { Link } from '../../router';
import { ErrorNote } from '../../ui';
import { Section } from './Section';

const NOTE_REQUIRED = new Set([
  'consult',
  'answer-consultation',
  'refuse',
  'postpone',
  'withdraw',
  'mark-incomplete',
]);

export function Actions({
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
      // The form builds the body from the fields the action shows; the node checks it against the action's schema.
      await act(c.id, action as ActionName, body() as ActionBody<ActionName>);
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
    <Section id="actions" title={t('case.actions')}>
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
    </Section>
  );
}
