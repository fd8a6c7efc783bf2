/**
 * What the fuzzer knows of the federation: the tokens it signs in with, and on each node the ids that exist
 * and the genuine messages its peer sent it, gathered again before each operation so that generated requests
 * can name real cases, packages, uploads and users.
 */

import type { KeyObject } from 'node:crypto';
import { desc, eq, notInArray, sql } from 'drizzle-orm';
import { openMessage } from '../../../src/crypto/envelope.ts';
import { demoEmail } from '../../../src/node/demo.ts';
import type { RunningNode } from '../../../src/node/node.ts';
import {
  cases,
  evidenceFiles,
  evidencePackages,
  ledgerEntries,
  outbox,
  passkeys,
  users,
} from '../../../src/store/schema.ts';
import type { TestFederation } from '../../helpers/federation.ts';
import { b64, sha256hex } from './encoding.ts';
import { peerOf, ROLES, TARGETS, type Target } from './request.ts';

/** What the harness keeps between cases; the functions that send requests take it. */
export interface FuzzState {
  readonly fed: TestFederation;
  readonly known: Map<Target, Known>;
  /** Tokens by `node:role`, and `node:stage-mfa` and `node:stage-enrol` for sessions half through sign-in. */
  readonly tokens: Map<string, string>;
  /** The account whose tokens the `disposable` identity spends (logging out ends only those). */
  readonly disposableUser: Partial<Record<Target, string>>;
  /** Signs as a `forged` or `unknown` signer. */
  readonly forgedKey: KeyObject;
}

export const nodeOf = (state: { readonly fed: TestFederation }, t: Target | 'CAL'): RunningNode =>
  state.fed.demo.nodes[t]!;

export interface Genuine {
  jwe: string;
  claims: Record<string, unknown>;
}

export interface Known {
  cases: string[];
  /** Accounts the fuzzer may change (never the demo users whose tokens it signs in with). */
  users: string[];
  passkeys: string[];
  packages: string[];
  uploads: string[];
  inbound: string[];
  ledgerSize: number;
  /** Cases shared with the peer, with the hash the target expects as the next `prev`. */
  shared: string[];
  genuine: Genuine[];
}

/**
 * Brings the federation back to a state worth fuzzing before each operation (after signing in again): an open
 * evidence package with an upload in progress on each node, and fresh lists of the ids that exist.
 */
export async function refreshKnown(state: FuzzState): Promise<void> {
  for (const t of TARGETS) {
    const node = nodeOf(state, t);
    const db = node.core.db;
    const executor = state.tokens.get(`${t}:executor`);
    const auth = executor ? { authorization: `Bearer ${executor}` } : {};
    let open = (
      await db
        .select({ id: evidencePackages.id })
        .from(evidencePackages)
        .where(sql`${evidencePackages.side} = 'produced' and ${evidencePackages.status} = 'open'`)
        .limit(1)
    )[0]?.id;
    if (!open) {
      const executing = await db
        .select({ id: cases.id })
        .from(cases)
        .where(sql`${cases.requested} = ${t} and ${cases.state} = 'executing'`);
      for (const c of executing) {
        const a = await node.app.inject({
          method: 'POST',
          url: `/api/v1/cases/${c.id}/evidence`,
          headers: auth,
        });
        if (a.statusCode === 201) {
          open = JSON.parse(a.body).id as string;
          break;
        }
      }
    }
    if (open) {
      const uploading = await db
        .select({ id: evidenceFiles.uploadId })
        .from(evidenceFiles)
        .where(sql`${evidenceFiles.packageId} = ${open} and ${evidenceFiles.status} = 'uploading'`)
        .limit(1);
      if (uploading.length === 0) {
        const content = 'fuzzing evidence';
        await node.app.inject({
          method: 'POST',
          url: '/api/v1/evidence/uploads',
          headers: {
            ...auth,
            'tus-resumable': '1.0.0',
            'upload-length': String(content.length),
            'upload-metadata': [
              `package ${b64(open)}`,
              `filename ${b64('fuzz.txt')}`,
              `sha256 ${b64(sha256hex(content))}`,
              `mediaType ${b64('text/plain')}`,
              `collectedBy ${b64('Fuzz Hosting Ltd')}`,
            ].join(','),
          },
        });
      }
    }
    const peer = peerOf(t);
    const caseRows = await db.select({ id: cases.id }).from(cases).orderBy(desc(cases.id)).limit(100);
    const shared = await db
      .select({ id: cases.id })
      .from(cases)
      .where(sql`${cases.requesting} = ${peer} or ${cases.requested} = ${peer}`)
      .orderBy(desc(cases.id))
      .limit(50);
    const packages = await db
      .select({ id: evidencePackages.id, side: evidencePackages.side })
      .from(evidencePackages);
    const files = await db
      .select({ pkg: evidenceFiles.packageId, idx: evidenceFiles.idx, upload: evidenceFiles.uploadId })
      .from(evidenceFiles);
    const received = new Set(packages.filter((p) => p.side === 'received').map((p) => p.id));
    const [{ n } = { n: 0 }] = await db.select({ n: sql<number>`count(*)::int` }).from(ledgerEntries);
    const spared = [
      ...ROLES.map((r) => demoEmail(r, t)),
      ...['login', 'logout', 'enrol', 'mfa'].map((u) => `fuzz-${u}@fuzz.example`),
    ];
    const accounts = await db
      .select({ id: users.id })
      .from(users)
      .where(notInArray(users.email, spared))
      .orderBy(desc(users.id))
      .limit(50);
    state.known.set(t, {
      cases: caseRows.map((c) => c.id),
      users: accounts.map((u) => u.id),
      passkeys: (await db.select({ id: passkeys.id }).from(passkeys).limit(20)).map((p) => p.id),
      packages: packages.map((p) => p.id),
      uploads: files.flatMap((f) => (f.upload ? [f.upload] : [])),
      inbound: files.filter((f) => received.has(f.pkg)).map((f) => `${f.pkg}.${f.idx}`),
      ledgerSize: Number(n),
      shared: shared.map((c) => c.id),
      // Decrypting them is slow and a few dozen are enough: gathered once.
      genuine: state.known.get(t)?.genuine ?? (await genuineMessages(state, t)),
    });
  }
}

/** The messages the peer sent to `t`, with their claims (decrypted with `t`'s key). */
async function genuineMessages(state: FuzzState, t: Target): Promise<Genuine[]> {
  const peer = nodeOf(state, peerOf(t));
  const core = nodeOf(state, t).core;
  const rows = await peer.core.db
    .select({ payload: outbox.payload })
    .from(outbox)
    .where(eq(outbox.recipient, t))
    .orderBy(desc(outbox.id))
    .limit(40);
  const out: Genuine[] = [];
  for (const r of rows) {
    const opened = await openMessage({
      jwe: r.payload,
      ownKid: core.keys.encryption.kid,
      ownKey: core.keys.encryption.privateKey,
      signerKey: (kid) => core.trust.signer(kid),
    }).catch(() => null);
    if (opened) out.push({ jwe: r.payload, claims: opened.claims as unknown as Record<string, unknown> });
  }
  return out;
}
