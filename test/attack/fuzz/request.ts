/**
 * What is generated: the plain data a fuzz case is made of (which node, who, which path parameters, which
 * body). What depends on the federation's state is looked up when the request is sent (resolve.ts,
 * messages.ts).
 */

import { DEMO_ACCOUNTS } from '../../../src/node/demo.ts';

export type Target = 'ARC' | 'BOR';
export const TARGETS: readonly Target[] = ['ARC', 'BOR'];
export const peerOf = (t: Target): Target => (t === 'ARC' ? 'BOR' : 'ARC');
export const ROLES = DEMO_ACCOUNTS.map((a) => a.local);

/** Who signs a message or a node token: the sender's real key, another node's, the receiver's own, a forged
 * key under the sender's key id, or a key nobody knows. */
export type Signer = 'peer' | 'third' | 'self' | 'forged' | 'unknown';
export const SIGNERS: readonly Signer[] = ['peer', 'third', 'self', 'forged', 'unknown'];

export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'user'; role: string }
  /** A real token of the other node. */
  | { kind: 'foreign'; role: string }
  /** A fresh token of a user kept for this, so that logging out ends nobody else's token. */
  | { kind: 'disposable' }
  /** A session that has passed the password but still owes a second factor (`mfa`) or must enrol one. */
  | { kind: 'stage'; stage: 'mfa' | 'enrol' }
  | { kind: 'header'; value: string }
  /** A `Comity-Node` token, or any text signed as one when `payload` is set. */
  | { kind: 'node'; signer: Signer; scope: string; payload?: string };

export type ParamValue = { known: number } | { text: string; raw?: boolean };
export type MetaValue = { known: number } | { text: string } | { base64: string };

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'message'; spec: MessageSpec };

export interface FuzzRequest {
  target: Target;
  /** Another method than the operation's (HEAD for a GET, PUT for a POST…), or null. */
  method: string | null;
  identity: Identity;
  params: Record<string, ParamValue>;
  query: { pairs: [string, string][]; raw: string | null };
  headers: Record<string, string>;
  contentType: string | null;
  body: Body;
  /** tus Upload-Metadata pairs (value null: key only). */
  metadata: [string, MetaValue | null][] | null;
  http: boolean;
}

export type TextEdit =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'swap-segments'; i: number; j: number }
  | { kind: 'append'; text: string }
  | { kind: 'prefix'; text: string };

export type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'wrap'; at: number }
  | { kind: 'stringify'; at: number }
  /** Adds text to one of the strings, so that the value stays valid but carries a NUL, an RTL mark… */
  | { kind: 'taint'; at: number; text: string; prefix: boolean };

/** An inbound message, from plain garbage down to well signed and encrypted claims with odd content. */
export type MessageSpec =
  | { layer: 'text'; text: string }
  | { layer: 'genuine'; pick: number; edits: TextEdit[] }
  | { layer: 'crafted'; header: unknown; segments: string[] }
  | { layer: 'inner'; recipient: Recipient; inner: InnerSpec }
  | { layer: 'claims'; recipient: Recipient; signer: Signer; claims: ClaimsSpec };
export type Recipient = 'target' | 'wrong-kid' | 'wrong-key';
export type InnerSpec = { text: string } | { header: unknown; payload: string; signer: Signer };
export interface ClaimsSpec {
  /** A genuine message's claims (by index) or claims generated from the schema. */
  base: { genuine: number } | { generated: unknown };
  /** New id, created now, from the peer to the target: what a live sender does. */
  fresh: boolean;
  /** A case the two nodes share (by index), with `prev` following the target's chain when `chained`. */
  onCase: { known: number; chained: boolean } | null;
  action: { action: string; body: unknown } | null;
  mutations: Mutation[];
  edits: TextEdit[];
}

/** A request with nothing set, for the operations that only fill in a part (the parsers). */
export const EMPTY_REQUEST: FuzzRequest = {
  target: 'ARC',
  method: null,
  identity: { kind: 'anonymous' },
  params: {},
  query: { pairs: [], raw: null },
  headers: {},
  contentType: null,
  body: { kind: 'none' },
  metadata: null,
  http: false,
};
