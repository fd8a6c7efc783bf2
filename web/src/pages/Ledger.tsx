/**
 * The ledger: this node's signed checkpoint, the peers it witnesses and any alarms, and "verify this entry":
 * the browser fetches the entry and its inclusion proof and checks them with the same Merkle code the server
 * uses (src/ledger/merkle.ts) against the root in the signed checkpoint.
 */
import { Alert, Button, Card, Code, Group, NumberInput, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { leafHash, verifyInclusion } from '../../../src/ledger/merkle.ts';
import { api, ok, raw } from '../api';
import { t } from '../i18n';
import { ErrorNote, Loading, useLoad } from '../ui';

const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** The checkpoint body (C2SP tlog-checkpoint): origin, size, base64 root hash. */
function parseCheckpoint(note: string): { origin: string; size: number; rootHash: Uint8Array } {
  const [origin, size, root] = note.split('\n');
  if (!origin || !/^\d+$/.test(size ?? '') || !root) throw new Error('The node sent a malformed checkpoint.');
  return { origin, size: Number(size), rootHash: unb64(root) };
}

export function LedgerPage() {
  const checkpoint = useLoad(async () => (await raw('/ledger/checkpoint')).text(), []);
  const witness = useLoad(() => ok(api.GET('/api/v1/ledger/witness')), []);
  const wanted = new URLSearchParams(window.location.search).get('index');
  const [index, setIndex] = useState<number | string>(wanted && /^\d+$/.test(wanted) ? Number(wanted) : '');
  const [result, setResult] = useState<{ ok: boolean; text: string; entry?: string } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const verify = async () => {
    setError(null);
    setResult(null);
    try {
      const note = await (await raw('/ledger/checkpoint')).text();
      const cp = parseCheckpoint(note);
      const i = Number(index);
      const entries = (await (await raw(`/ledger/entries?start=${i}&end=${i + 1}`)).json()) as {
        entries: { entry: string }[];
      };
      const entry = entries.entries[0]?.entry;
      if (!entry) throw new Error(`No entry ${i} in the tree of ${cp.size}.`);
      const proof = (await (await raw(`/ledger/proof/inclusion?index=${i}&size=${cp.size}`)).json()) as {
        hashes: string[];
      };
      const good = verifyInclusion(
        leafHash(new TextEncoder().encode(entry)),
        i,
        cp.size,
        proof.hashes.map(unb64),
        cp.rootHash,
      );
      setResult({
        ok: good,
        text: good ? t('ledger.verify.ok', { index: i, size: cp.size }) : t('ledger.verify.bad'),
        entry,
      });
    } catch (e) {
      setError(e);
    }
  };

  // Arriving from a case's timeline (/ledger?index=N): check that entry straight away.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, on arrival
  useEffect(() => {
    if (wanted && /^\d+$/.test(wanted)) void verify();
  }, []);

  const w = witness.data as
    | {
        peers?: { party: string; size: number; at: string }[];
        alarms?: { party: string; kind: string; detail: string; at: string }[];
      }
    | undefined;
  return (
    <Stack>
      <Title order={2}>{t('ledger.title')}</Title>
      <Card withBorder>
        <Title order={3} size="h4">
          {t('ledger.checkpoint')}
        </Title>
        {checkpoint.error ? <ErrorNote error={checkpoint.error} /> : null}
        {checkpoint.data ? <Code block>{checkpoint.data}</Code> : <Loading />}
      </Card>
      <Card withBorder>
        <Title order={3} size="h4">
          {t('ledger.verify')}
        </Title>
        <Group align="end">
          <NumberInput label={t('ledger.verify.index')} min={0} value={index} onChange={setIndex} />
          <Button onClick={() => void verify()} disabled={index === ''}>
            {t('ledger.verify.go')}
          </Button>
        </Group>
        {error ? <ErrorNote error={error} /> : null}
        {result ? (
          <Alert color={result.ok ? 'green' : 'red'} mt="sm" role="status" data-testid="verify-result">
            {result.text}
            <Code block mt="xs">
              {result.entry}
            </Code>
          </Alert>
        ) : null}
      </Card>
      <Card withBorder>
        <Title order={3} size="h4">
          {t('ledger.peers')}
        </Title>
        {witness.error ? <ErrorNote error={witness.error} /> : null}
        {w ? <Code block>{JSON.stringify(w, null, 2).slice(0, 5000)}</Code> : null}
        {w?.alarms?.length ? (
          <Table>
            <Table.Tbody>
              {w.alarms.map((a) => (
                <Table.Tr key={`${a.party}${a.at}`}>
                  <Table.Td>{a.party}</Table.Td>
                  <Table.Td>
                    <Text c="red">{a.kind}</Text>
                  </Table.Td>
                  <Table.Td>{a.detail}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
      </Card>
    </Stack>
  );
}
