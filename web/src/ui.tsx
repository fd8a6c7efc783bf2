/** Shared pieces: loading and error states, confirmations, badges, the deadline countdown. */
import {
  Alert,
  Badge,
  Button,
  type ButtonProps,
  Center,
  Group,
  Loader,
  Modal,
  Stack,
  Text,
} from '@mantine/core';
import { type DependencyList, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from './api';
import { t, words } from './i18n';

/** Runs an async load and keeps its data, error and loading state; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  // The caller names what the load depends on (`deps`, primitives), as with useEffect.
  const key = deps.map((d) => String(d)).join('\u0000');
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the caller's dependencies
  const run = useMemo(
    () => () => {
      setState((s) => ({ ...s, loading: true }));
      loadRef.current().then(
        (data) => setState({ data, loading: false }),
        (error: unknown) => setState({ error, loading: false }),
      );
    },
    [key],
  );
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function Loading() {
  return (
    <Center p="xl" role="status" aria-live="polite">
      <Loader aria-label={t('common.loading')} />
    </Center>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  const problem =
    error instanceof ApiError ? error.problem : { title: t('common.error'), detail: String(error) };
  return (
    <Alert color="red" title={problem.title} role="alert">
      {problem.detail}
      {problem.errors?.length ? (
        <ul>
          {problem.errors.map((e) => (
            <li key={`${e.field}${e.message}`}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

/**
 * A button that asks first: a dialog says what will happen, the action runs on confirmation, and its error
 * stays in the dialog.
 */
export function ConfirmButton({
  label,
  title,
  message,
  confirmLabel,
  onConfirm,
  color = 'red',
  ...button
}: {
  label: ReactNode;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  color?: string;
} & Omit<ButtonProps, 'children' | 'color'> & { 'aria-label'?: string }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setOpen(false);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button variant="default" color={color} {...button} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Modal
        opened={open}
        onClose={() => setOpen(false)}
        title={title}
        centered
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <Stack>
          <Text size="sm">{message}</Text>
          {error ? <ErrorNote error={error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </Button>
            <Button color={color} loading={busy} onClick={() => void confirm()}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

const VERDICT_COLOR: Record<string, string> = {
  clear: 'green',
  review: 'yellow',
  'refuse-recommended': 'red',
  incomplete: 'orange',
};

export function VerdictBadge({ verdict }: { verdict: string | null | undefined }) {
  if (!verdict) return <span title={t('common.none')}>—</span>;
  return (
    <Badge color={VERDICT_COLOR[verdict] ?? 'gray'} variant="light">
      {words(verdict)}
    </Badge>
  );
}

const OUTCOME_COLOR: Record<string, string> = {
  clear: 'green',
  concern: 'yellow',
  ground: 'red',
  missing: 'orange',
};
export function OutcomeBadge({ outcome }: { outcome: string }) {
  return (
    <Badge color={OUTCOME_COLOR[outcome] ?? 'gray'} variant="filled">
      {outcome}
    </Badge>
  );
}

export function duration(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Time left to a deadline, or how far it is overdue, updated every minute. */
export function Countdown({ dueAt, overdue }: { dueAt: string | null | undefined; overdue?: boolean }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  if (!dueAt) return <span>{t('due.none')}</span>;
  const left = Date.parse(dueAt) - now;
  const late = overdue || left < 0;
  return (
    <Badge
      color={late ? 'red' : left < 24 * 3_600_000 ? 'orange' : 'gray'}
      variant={late ? 'filled' : 'light'}
    >
      <time dateTime={dueAt}>
        {late ? t('due.overdue', { time: duration(left) }) : t('due.in', { time: duration(left) })}
      </time>
    </Badge>
  );
}

/** Figures behind a chart as a CSV download. */
export function csvHref(rows: (string | number)[][]): string {
  const text = rows.map((r) => r.map((c) => `"${String(c).replaceAll('"', '""')}"`).join(',')).join('\n');
  return `data:text/csv;charset=utf-8,${encodeURIComponent(`${text}\n`)}`;
}
