/**
 * Resolving a generated request into the one sent: real ids for the path parameters it names by index, a
 * token or signed header for its identity, upload metadata, the body as bytes, and the two nodes' party codes
 * where it holds stand-ins. Refuses what no client could send.
 */

import { issueToken } from '../../../src/auth/sessions.ts';
import { ACTIONS } from '../../../src/domain/lifecycle.ts';
import { b64, percentEncode } from './encoding.ts';
import { nodeToken, seal } from './messages.ts';
import { toJson } from './mutate.ts';
import type { Operation } from './operations.ts';
import type { Sent } from './oracles.ts';
import { type FuzzRequest, type Identity, type MetaValue, peerOf, type Target } from './request.ts';
import { PARTY_CODES, PEER, SELF } from './schema.ts';
import { ClientRefused } from './send.ts';
import { type FuzzState, nodeOf } from './state.ts';

/** The values that exist for a path parameter on node `t`. */
function knownParam(state: FuzzState, t: Target, op: Operation, name: string): string[] {
  const k = state.known.get(t)!;
  switch (name) {
    case 'id':
      return op.path.startsWith('/api/v1/users/')
        ? k.users
        : op.path.includes('/passkeys/')
          ? k.passkeys
          : k.cases;
    case 'pkg':
      return k.packages;
    case 'uploadId':
      return op.path.startsWith('/exchange') ? k.inbound : k.uploads;
    case 'seq':
      return [
        '0',
        '1',
        String(Math.max(0, k.ledgerSize - 1)),
        String(k.ledgerSize),
        String(k.ledgerSize + 1),
      ];
    case 'idx':
      return ['0', '1', '2'];
    case 'action':
      return [...ACTIONS];
    case 'code':
      return PARTY_CODES;
    default:
      return [];
  }
}

/** The Authorization header of an identity, and whether it signs in to `opPath` on node `t`. */
export async function authorization(
  state: FuzzState,
  t: Target,
  identity: Identity,
  opPath = '',
): Promise<{ header?: string; signedIn: boolean }> {
  switch (identity.kind) {
    case 'anonymous':
      return { signedIn: false };
    case 'user': {
      const token = state.tokens.get(`${t}:${identity.role}`);
      return token ? { header: `Bearer ${token}`, signedIn: true } : { signedIn: false };
    }
    case 'foreign': {
      const token = state.tokens.get(`${peerOf(t)}:${identity.role}`);
      return token ? { header: `Bearer ${token}`, signedIn: false } : { signedIn: false };
    }
    case 'disposable': {
      // A token as sign-in would issue it, without paying for argon2 at every case of a 100,000-case run.
      const core = nodeOf(state, t).core;
      const { token } = await core.db.transaction((tx) =>
        issueToken(core, tx, state.disposableUser[t]!, 'bearer', 'full'),
      );
      return { header: `Bearer ${token}`, signedIn: true };
    }
    case 'stage': {
      // Such a session opens only sign-in routes (/api/v1/auth/…): anywhere else it counts as no sign-in.
      const token = state.tokens.get(`${t}:stage-${identity.stage}`);
      return token
        ? { header: `Bearer ${token}`, signedIn: opPath.startsWith('/api/v1/auth/') }
        : { signedIn: false };
    }
    case 'header':
      return { header: identity.value, signedIn: false };
    case 'node':
      return { header: await nodeToken(state, t, identity), signedIn: false };
  }
}

/** The request to send for a generated one. */
export async function resolveRequest(state: FuzzState, op: Operation, req: FuzzRequest): Promise<Sent> {
  let canonical = req.method === null;
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = req.params[name] ?? { text: '' };
    if ('known' in v) {
      const list = knownParam(state, req.target, op, name);
      return percentEncode(list.length ? list[v.known % list.length]! : '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    }
    if (v.raw) canonical = false;
    return v.raw ? v.text : percentEncode(v.text);
  });
  const query = [
    ...req.query.pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
    ...(req.query.raw === null ? [] : [req.query.raw]),
  ].join('&');
  const headers: Record<string, string> = { ...req.headers };
  const auth = await authorization(state, req.target, req.identity, op.path);
  if (auth.header !== undefined) headers.authorization = auth.header;
  if (req.metadata) headers['upload-metadata'] = metadataHeader(state, req.target, op, req.metadata);
  let payload: string | Buffer | undefined;
  let inside: string | undefined;
  const body = req.body;
  const parties = (text: string) => text.replaceAll(SELF, req.target).replaceAll(PEER, peerOf(req.target));
  if (body.kind === 'json') payload = parties(toJson(body.value));
  else if (body.kind === 'text') payload = parties(body.text);
  else if (body.kind === 'bytes') payload = Buffer.from(body.bytes);
  else if (body.kind === 'message') ({ jwe: payload, inside } = await seal(state, req.target, body.spec));
  if (req.contentType !== null) headers['content-type'] = req.contentType;
  // What a socket would deliver: Node's HTTP parser refuses control characters in a header value and trims the
  // spaces around it; app.inject does neither, so without this it would report failures no client can cause.
  for (const [name, value] of Object.entries(headers)) {
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
      throw new ClientRefused(`no client can send this ${name} header`);
    headers[name] = value.replace(/^[ \t]+|[ \t]+$/g, '');
  }
  return {
    target: req.target,
    method: req.method ?? op.method,
    url: query ? `${path}?${query}` : path,
    headers,
    payload,
    http: req.http,
    signedIn: auth.signedIn,
    canonical,
    ...(inside ? { inside } : {}),
  };
}

function metadataHeader(
  state: FuzzState,
  t: Target,
  op: Operation,
  pairs: [string, MetaValue | null][],
): string {
  const k = state.known.get(t)!;
  const packages = op.path.startsWith('/exchange') ? k.inbound.map((i) => i.split('.')[0]!) : k.packages;
  return pairs
    .map(([key, v]) => {
      if (v === null) return key;
      if ('base64' in v) return `${key} ${v.base64}`;
      const text =
        'known' in v
          ? (packages[v.known % Math.max(1, packages.length)] ?? '01ARZ3NDEKTSV4RRFFQ69G5FAV')
          : v.text;
      return `${key} ${b64(text)}`;
    })
    .join(',');
}
