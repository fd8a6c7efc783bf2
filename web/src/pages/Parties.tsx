/** The registry: each party's treaty status, declarations and domestic law; the administrator edits this node's own. */
import { Badge, Button, Card, Code, Grid, Stack, Table, TextInput, Title } from '@mantine/core';
import type React from 'react';
import { useState } from 'react';
import { api, ok, type User } from '../api';
import { t, words } from '../i18n';
import { ErrorNote, Loading, useLoad } from '../ui';
import { OwnSettings } from './NodeSettings';

export function Parties({ user }: { user: User }) {
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const list = useLoad(() => ok(api.GET('/api/v1/parties', { params: { query: {} } })), []);
  const items = (list.data?.items ?? []).filter(
    (p) => !filter || `${p.code} ${p.name}`.toLowerCase().includes(filter.toLowerCase()),
  );
  return (
    <Grid>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Stack>
          <Title order={2}>{t('parties.title')}</Title>
          <TextInput
            label={t('parties.filter')}
            value={filter}
            onChange={(e) => setFilter(e.currentTarget.value)}
          />
          {list.error ? <ErrorNote error={list.error} /> : null}
          {list.loading ? <Loading /> : null}
          <Table highlightOnHover>
            <Table.Tbody>
              {items
                .sort(
                  (a, b) => Number(Boolean(b.node)) - Number(Boolean(a.node)) || a.name.localeCompare(b.name),
                )
                .slice(0, 300)
                .map((p) => (
                  <Table.Tr key={p.code}>
                    <Table.Td>
                      <Button variant="subtle" size="compact-sm" onClick={() => setSelected(p.code)}>
                        {p.name} ({p.code})
                      </Button>
                    </Table.Td>
                    <Table.Td>
                      {Object.entries((p as { instruments?: Record<string, string> }).instruments ?? {}).map(
                        ([k, v]) => (
                          <Badge
                            key={k}
                            variant="light"
                            mr={4}
                            color={v === 'ratified' ? 'green' : v === 'signed' ? 'yellow' : 'gray'}
                          >
                            {k} {v}
                          </Badge>
                        ),
                      )}
                    </Table.Td>
                    <Table.Td>{p.node ? <Badge>{t('parties.node')}</Badge> : null}</Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <Stack>
          {selected ? <PartyDetail code={selected} /> : null}
          {user.roles.includes('admin') ? <OwnSettings /> : null}
        </Stack>
      </Grid.Col>
    </Grid>
  );
}

function PartyDetail({ code }: { code: string }) {
  const p = useLoad(() => ok(api.GET('/api/v1/parties/{code}', { params: { path: { code } } })), [code]);
  if (p.error) return <ErrorNote error={p.error} />;
  if (!p.data) return <Loading />;
  const party = p.data;
  const rows: [string, React.ReactNode][] = [
    [
      t('parties.instruments'),
      Object.entries(party.instruments)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
    ],
    [t('parties.abolitionist'), party.abolitionist === undefined ? '—' : party.abolitionist ? '✓' : '✗'],
    [
      t('parties.declarations'),
      Object.entries(party.declarations ?? {})
        .filter(([, on]) => on)
        .map(([k]) => words(k))
        .join(', ') || t('common.none'),
    ],
    [t('parties.centralAuthority'), party.centralAuthority ?? '—'],
    [t('parties.contact247'), party.contact247 ?? '—'],
    [t('parties.languages'), (party.languages ?? []).join(', ') || '—'],
    [t('parties.node'), party.node?.url ?? '—'],
  ];
  return (
    <Card withBorder component="section" aria-labelledby="party-h">
      <Title order={3} size="h4" id="party-h" mb="xs">
        {party.name} ({party.code}){' '}
        {party.fictional ? <Badge color="gray">{t('parties.fictional')}</Badge> : null}
      </Title>
      <Table>
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th w={200}>{k}</Table.Th>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {party.law ? (
        <>
          <Title order={4} size="h5" mt="sm">
            {t('parties.law')}
          </Title>
          <Code block>{JSON.stringify(party.law, null, 2)}</Code>
        </>
      ) : null}
    </Card>
  );
}
