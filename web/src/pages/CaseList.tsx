/** Inbox and outbox: filters, search, sort by due date, server-side paging; overdue cases stand out. */
import {
  Anchor,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { URGENCIES } from '../../../src/domain/catalogue.ts';
import { CASE_STATES } from '../../../src/domain/lifecycle.ts';
import { api, type CaseSummary, ok } from '../api';
import { t, words } from '../i18n';
import { Link } from '../router';
import { Countdown, ErrorNote, Loading, useLoad, VerdictBadge } from '../ui';

const PAGE = 25;

export function CaseList({
  direction,
  urgentOnly,
}: {
  direction: 'incoming' | 'outgoing' | null;
  urgentOnly?: boolean;
}) {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [state, setState] = useState<string[]>([]);
  const [urgency, setUrgency] = useState<string[]>(urgentOnly ? ['urgent', 'emergency'] : []);
  const [overdue, setOverdue] = useState(false);
  const [byDue, setByDue] = useState(direction === 'incoming' || Boolean(urgentOnly));
  const [cursor, setCursor] = useState(0);

  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(q.trim());
      setCursor(0);
    }, 300);
    return () => clearTimeout(timer);
  }, [q]);

  const list = useLoad(
    () =>
      ok(
        api.GET('/api/v1/cases', {
          params: {
            query: {
              ...(direction ? { direction } : {}),
              ...(state.length ? { state: state.join(',') } : {}),
              ...(urgency.length ? { urgency: urgency.join(',') } : {}),
              ...(query ? { q: query } : {}),
              ...(overdue ? { overdue: 'true' as const } : {}),
              sort: byDue ? ('due' as const) : ('updated' as const),
              limit: PAGE,
              ...(cursor ? { cursor: String(cursor) } : {}),
            },
          },
        }),
      ),
    [direction, state.join(), urgency.join(), query, overdue, byDue, cursor],
  );

  const title = urgentOnly
    ? t('contact.urgent')
    : direction === 'incoming'
      ? t('list.inbox')
      : t('list.outbox');
  return (
    <Stack>
      <Title order={2}>{title}</Title>
      <Group align="end" wrap="wrap">
        <TextInput
          label={t('list.search')}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={320}
          type="search"
        />
        <MultiSelect
          label={t('list.state')}
          data={CASE_STATES.map((s) => ({ value: s, label: words(s) }))}
          value={state}
          onChange={(v) => {
            setState(v);
            setCursor(0);
          }}
          clearable
          w={240}
        />
        <MultiSelect
          label={t('list.urgency')}
          data={URGENCIES.map((s) => ({ value: s, label: s }))}
          value={urgency}
          onChange={(v) => {
            setUrgency(v);
            setCursor(0);
          }}
          clearable
          w={220}
        />
        <Checkbox
          label={t('list.overdue')}
          checked={overdue}
          onChange={(e) => setOverdue(e.currentTarget.checked)}
        />
        <Checkbox
          label={t('list.sortDue')}
          checked={byDue}
          onChange={(e) => setByDue(e.currentTarget.checked)}
        />
      </Group>
      {list.error ? <ErrorNote error={list.error} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? <Cases items={list.data.items as CaseSummary[]} /> : null}
      {list.data ? (
        <Group justify="space-between">
          <Text size="sm" aria-live="polite">
            {t('list.count', { shown: list.data.items.length, total: list.data.total })}
          </Text>
          <Group>
            <Button
              variant="default"
              disabled={cursor === 0}
              onClick={() => setCursor(Math.max(0, cursor - PAGE))}
            >
              {t('list.prev')}
            </Button>
            <Button
              variant="default"
              disabled={!list.data.nextCursor}
              onClick={() => setCursor(Number(list.data?.nextCursor ?? 0))}
            >
              {t('list.more')}
            </Button>
          </Group>
        </Group>
      ) : null}
    </Stack>
  );
}

function Cases({ items }: { items: CaseSummary[] }) {
  if (items.length === 0) return <Text>{t('list.empty')}</Text>;
  return (
    <Table striped highlightOnHover stickyHeader>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('list.col.id')}</Table.Th>
          <Table.Th>{t('list.col.type')}</Table.Th>
          <Table.Th>{t('list.col.parties')}</Table.Th>
          <Table.Th>{t('list.col.urgency')}</Table.Th>
          <Table.Th>{t('list.col.state')}</Table.Th>
          <Table.Th>{t('list.col.verdict')}</Table.Th>
          <Table.Th>{t('list.col.due')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((c) => (
          <Table.Tr key={c.id} data-overdue={c.deadline?.overdue ? 'true' : undefined} data-testid="case-row">
            <Table.Td>
              <Anchor component={Link} to={`/cases/${c.id}`} ff="monospace" size="sm">
                {c.id}
              </Anchor>
            </Table.Td>
            <Table.Td>{words(c.type)}</Table.Td>
            <Table.Td>
              {c.requesting} → {c.requested}
            </Table.Td>
            <Table.Td>{c.urgency}</Table.Td>
            <Table.Td>{words(c.state)}</Table.Td>
            <Table.Td>
              <VerdictBadge verdict={c.verdict} />
            </Table.Td>
            <Table.Td>
              {c.deadline ? (
                <Countdown dueAt={c.deadline.dueAt} overdue={c.deadline.overdue} />
              ) : (
                t('due.none')
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
