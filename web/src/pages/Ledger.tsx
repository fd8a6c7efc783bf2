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

/**
 * Checks the node's own signature on a signed note (C2SP signed-note) with WebCrypto's Ed25519, against the key
 * the node publishes at /ledger/key ("<name>+<key hash>+<base64(0x01 ‖ key)>"). Returns the reason it fails.
 */
async function checkNoteSignature(note: string, vkey: string): Promise<string | null> {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  const name = vkey.slice(0, first);
  const hashHex = vkey.slice(first + 1, second);
  const keyData = unb64(vkey.slice(second + 1));
  if (first < 0 || second < 0 || keyData[0] !== 1 || keyData.length !== 33)
    return 'the node’s key is malformed';
  const split = note.indexOf('\n\n');
  const text = new TextEncoder().encode(note.slice(0, split + 1));
  const line = note
    .slice(split + 2)
    .split('\n')
    .find((l) => l.startsWith(`\u2014 ${name} `));
  if (!line) return `the checkpoint carries no signature of ${name}`;
  const sig = unb64(line.slice(`\u2014 ${name} `.length));
  const keyHash = Array.from(sig.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
  if (sig.length !== 68 || keyHash !== hashHex.toLowerCase()) return 'the signature is not by the node’s key';
  const key = await crypto.subtle.importKey('raw', keyData.slice(1), { name: 'Ed25519' }, false, ['verify']);
  return (await crypto.subtle.verify('Ed25519', key, sig.slice(4), text))
    ? null
    : 'the checkpoint signature does not verify';
}

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
      const vkey = (await (await raw('/ledger/key')).text()).trim();
      const signatureProblem = await checkNoteSignature(note, vkey);
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
        ok: good && !signatureProblem,
        text: !good
          ? t('ledger.verify.bad')
          : signatureProblem
            ? t('ledger.verify.badSignature', { reason: signatureProblem })
            : t('ledger.verify.ok', { index: i, size: cp.size, key: vkey.split('+')[0] ?? '' }),
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
