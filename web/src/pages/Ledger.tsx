/**
 * The ledger: this node's published checkpoint, the witnesses that cosign it and the logs this node witnesses,
 * any alarms, and "verify this entry": the browser fetches the entry and its inclusion proof and checks them with
 * the same Merkle code the server uses (src/ledger/merkle.ts) against the root in the signed checkpoint, and
 * checks the node's signature and the witnesses' cosignatures (C2SP tlog-cosignature) with WebCrypto.
 */
import { Alert, Button, Card, Code, Group, NumberInput, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { leafHash, verifyInclusion } from '../../../src/ledger/merkle.ts';
import { ApiError, api, ok, raw } from '../api';
import { t } from '../i18n';
import { ErrorNote, Loading, useLoad } from '../ui';

const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** A verifier key "<name>+<key hash>+<base64(type ‖ key)>", split; null when malformed. */
function splitVerifierKey(
  vkey: string,
): { name: string; hash: string; type: number; key: Uint8Array } | null {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) return null;
  const data = unb64(vkey.slice(second + 1));
  if (data.length !== 33) return null;
  return {
    name: vkey.slice(0, first),
    hash: vkey.slice(first + 1, second).toLowerCase(),
    type: data[0]!,
    key: data.slice(1),
  };
}

/** The signature lines of a signed note with the key's name and ID, as bytes after the key ID. */
function signaturesOf(note: string, name: string, hash: string): Uint8Array[] {
  const split = note.indexOf('\n\n');
  return note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l.startsWith(`\u2014 ${name} `))
    .map((l) => unb64(l.slice(`\u2014 ${name} `.length)))
    .filter((sig) => Array.from(sig.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join('') === hash)
    .map((sig) => sig.slice(4));
}

async function ed25519Verify(key: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  // WebCrypto takes buffers it owns: copies, not views of a possibly shared one.
  const k = await crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify('Ed25519', k, new Uint8Array(signature), new Uint8Array(message));
}

/**
 * Checks the node's own signature on a signed note (C2SP signed-note) with WebCrypto's Ed25519, against the key
 * the node publishes at /ledger/key ("<name>+<key hash>+<base64(0x01 ‖ key)>"). Returns the reason it fails.
 */
async function checkNoteSignature(note: string, vkey: string): Promise<string | null> {
  const key = splitVerifierKey(vkey);
  if (key?.type !== 1) return 'the node’s key is malformed';
  const text = new TextEncoder().encode(note.slice(0, note.indexOf('\n\n') + 1));
  const sigs = signaturesOf(note, key.name, key.hash).filter((s) => s.length === 64);
  if (sigs.length === 0) return `the checkpoint carries no signature of ${key.name}`;
  return (await ed25519Verify(key.key, sigs[0]!, text)) ? null : 'the checkpoint signature does not verify';
}

/** The witnesses whose tlog-cosignature v1 on the note verifies with one of their keys (type 0x04). */
async function verifiedCosigners(
  note: string,
  witnesses: { name: string; keys: string[] }[],
): Promise<string[]> {
  const text = note.slice(0, note.indexOf('\n\n') + 1);
  const names: string[] = [];
  for (const w of witnesses)
    for (const vkey of w.keys) {
      const key = splitVerifierKey(vkey);
      if (key?.type !== 4) continue;
      const ok = await Promise.all(
        signaturesOf(note, key.name, key.hash)
          .filter((s) => s.length === 72)
          .map((s) => {
            const time = new DataView(s.buffer, s.byteOffset, 8).getBigUint64(0);
            const message = new TextEncoder().encode(`cosignature/v1\ntime ${time}\n${text}`);
            return ed25519Verify(key.key, s.slice(8), message);
          }),
      );
      if (ok.includes(true) && !names.includes(w.name)) names.push(w.name);
    }
  return names;
}

/** The checkpoint body (C2SP tlog-checkpoint): origin, size, base64 root hash. */
function parseCheckpoint(note: string): { origin: string; size: number; rootHash: Uint8Array } {
  const [origin, size, root] = note.split('\n');
  if (!origin || !/^\d+$/.test(size ?? '') || !root) throw new Error('The node sent a malformed checkpoint.');
  return { origin, size: Number(size), rootHash: unb64(root) };
}

type WitnessView = {
  quorum: number;
  checkpoint: { size: number; cosignatures: number; witnessed: boolean } | null;
  witnesses: {
    name: string;
    party: string | null;
    keys: string[];
    cosignedSize: number | null;
    cosignedAt: string | null;
    error: string | null;
  }[];
  peers: { party: string; origin: string; checkpoint: { size: number; at: string } | null }[];
  alarms: { party: string; kind: string; detail: string; at: string }[];
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

export function LedgerPage() {
  const checkpoint = useLoad(async () => (await raw('/ledger/checkpoint')).text(), []);
  const witness = useLoad(() => ok(api.GET('/api/v1/ledger/witness')), []);
  // Administrators and oversight see the witness view; other roles see the checkpoint and the proof only.
  const view = witness.data as WitnessView | undefined;
  const notAllowed = witness.error instanceof ApiError && witness.error.problem.status === 403;
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
      const cosigners = view ? await verifiedCosigners(note, view.witnesses ?? []) : [];
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
            : [
                t('ledger.verify.ok', { index: i, size: cp.size, key: vkey.split('+')[0] ?? '' }),
                ...(cosigners.length ? [t('ledger.verify.cosigned', { names: cosigners.join(', ') })] : []),
              ].join(' '),
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
      {view ? (
        <Card withBorder>
          <Title order={3} size="h4">
            {t('ledger.witnesses')}
          </Title>
          {view.checkpoint ? (
            <Text data-testid="witnessed">
              {view.checkpoint.witnessed
                ? t('ledger.witnesses.summary', {
                    count: view.checkpoint.cosignatures,
                    total: view.witnesses.length,
                    quorum: view.quorum,
                  })
                : t('ledger.witnesses.pending', { count: view.checkpoint.cosignatures, quorum: view.quorum })}
            </Text>
          ) : null}
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('ledger.col.witness')}</Table.Th>
                <Table.Th>{t('ledger.col.party')}</Table.Th>
                <Table.Th>{t('ledger.col.size')}</Table.Th>
                <Table.Th>{t('ledger.col.at')}</Table.Th>
                <Table.Th>{t('ledger.col.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {view.witnesses.map((w) => (
                <Table.Tr key={w.name}>
                  <Table.Td>{w.name}</Table.Td>
                  <Table.Td>{w.party ?? t('ledger.status.external')}</Table.Td>
                  <Table.Td>{w.cosignedSize ?? '—'}</Table.Td>
                  <Table.Td>{when(w.cosignedAt)}</Table.Td>
                  <Table.Td>{w.error ? <Text c="red">{w.error}</Text> : t('ledger.status.ok')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      ) : null}
      {notAllowed ? null : (
        <Card withBorder>
          <Title order={3} size="h4">
            {t('ledger.peers')}
          </Title>
          {witness.error ? <ErrorNote error={witness.error} /> : null}
          {view ? (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('ledger.col.party')}</Table.Th>
                  <Table.Th>{t('ledger.col.origin')}</Table.Th>
                  <Table.Th>{t('ledger.col.size')}</Table.Th>
                  <Table.Th>{t('ledger.col.at')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {view.peers.map((p) => (
                  <Table.Tr key={p.party}>
                    <Table.Td>{p.party}</Table.Td>
                    <Table.Td>{p.origin}</Table.Td>
                    <Table.Td>{p.checkpoint?.size ?? '—'}</Table.Td>
                    <Table.Td>{when(p.checkpoint?.at ?? null)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : null}
        </Card>
      )}
      {view?.alarms.length ? (
        <Card withBorder>
          <Title order={3} size="h4">
            {t('ledger.alarms')}
          </Title>
          <Table>
            <Table.Tbody>
              {view.alarms.map((a) => (
                <Table.Tr key={`${a.party}${a.at}${a.detail}`}>
                  <Table.Td>{a.party}</Table.Td>
                  <Table.Td>
                    <Text c="red">{a.kind}</Text>
                  </Table.Td>
                  <Table.Td>{a.detail}</Table.Td>
                  <Table.Td>{when(a.at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      ) : null}
    </Stack>
  );
}
