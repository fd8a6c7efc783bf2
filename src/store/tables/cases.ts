/** Tables (src/store/schema.ts): Cases, their events and screenings; who read what; the node's settings and their history. */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { InterchangeRequest } from '../../domain/request.ts';
import type { Finding, Verdict } from '../../domain/safeguards/types.ts';

import { at } from './columns.ts';

export const cases = pgTable(
  'cases',
  {
    id: text('id').primaryKey(),
    requesting: text('requesting').notNull(),
    requested: text('requested').notNull(),
    type: text('type').notNull(),
    instrument: text('instrument').notNull(),
    channel: text('channel').notNull(),
    urgency: text('urgency').notNull(),
    state: text('state').notNull(),
    request: jsonb('request').$type<InterchangeRequest>().notNull(),
    createdBy: text('created_by'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    deadlineAt: at('deadline_at'),
    deadlineKind: text('deadline_kind'),
    waitingOn: text('waiting_on'),
    /** Lowercased facts, purpose, subjects and identifiers, for search. */
    searchText: text('search_text').notNull().default(''),
    /** Hash of the last message this node sent on the case (the `prev` of the next one). */
    chainOut: text('chain_out'),
    /** Hash of the last message accepted from the other node on the case. */
    chainIn: text('chain_in'),
    version: integer('version').notNull().default(1),
    /** Need-to-know: when set, only these users of this node (and its oversight, redacted) see the case. */
    restrictedTo: jsonb('restricted_to').$type<string[]>(),
    /** For an emergency request received: the officer of the requesting party who vouched for it. */
    vouchedBy: jsonb('vouched_by').$type<{ kid: string; name: string; party: string; at: string }>(),
  },
  (t) => [
    index('cases_requesting_idx').on(t.requesting, t.updatedAt),
    index('cases_requested_idx').on(t.requested, t.updatedAt),
    index('cases_deadline_idx').on(t.deadlineAt),
  ],
);

/** A case as stored: the row every use case reads and writes. */
export type CaseRow = typeof cases.$inferSelect;

export const caseEvents = pgTable(
  'case_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    seq: integer('seq').notNull(),
    at: at('at').notNull(),
    action: text('action').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    /** Which node recorded the action first: the acting party. */
    party: text('party').notNull(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    messageId: text('message_id'),
  },
  (t) => [uniqueIndex('case_events_seq_idx').on(t.caseId, t.seq)],
);

export const screenings = pgTable(
  'screenings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    at: at('at').notNull(),
    verdict: text('verdict').$type<Verdict>().notNull(),
    findings: jsonb('findings').$type<Finding[]>().notNull(),
  },
  (t) => [index('screenings_case_idx').on(t.caseId)],
);

/** Every read of case data by a person, and every denial (design §10, DEVELOPERS.md). */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    userId: text('user_id'),
    party: text('party'),
    action: text('action').notNull(),
    caseId: text('case_id'),
    outcome: text('outcome').notNull(),
    requestId: text('request_id'),
    ip: text('ip'),
    detail: text('detail'),
  },
  (t) => [index('access_log_case_idx').on(t.caseId)],
);

/** The node's own settings: its party profile (over the registry's) and its screening policy (issue 3). */
export const nodeSettings = pgTable('node_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: at('updated_at').notNull(),
  updatedBy: text('updated_by'),
});

/** Every change of a node setting: who, when, what it was and what it became. */
export const settingsChanges = pgTable(
  'settings_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    key: text('key').notNull(),
    userId: text('user_id'),
    userName: text('user_name'),
    before: jsonb('before'),
    after: jsonb('after').notNull(),
    note: text('note'),
  },
  (t) => [index('settings_changes_key_idx').on(t.key, t.at)],
);
