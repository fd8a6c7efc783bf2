/** The shapes the CLI reads from the API, taken from the server's own schemas so the two cannot drift. */
import type { z } from 'zod';
import type { AccountSchema } from '../api/routes/users.ts';
import type { UserSchema } from '../api/schemas.ts';
import type { CaseSchema, CaseSummarySchema, HistoryEntrySchema } from '../cases/view.ts';
import type { InterchangeRequest } from '../domain/request.ts';
import type { ProfileInput } from '../domain/safeguards/bundle.ts';
import type { Finding, ScreeningPolicy } from '../domain/safeguards/types.ts';

export type CaseSummary = z.infer<typeof CaseSummarySchema>;
export type Case = z.infer<typeof CaseSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export type User = z.infer<typeof UserSchema>;
/** An account as administrators see it (GET /api/v1/users). */
export type Account = z.infer<typeof AccountSchema>;
export type Request = Partial<InterchangeRequest>;
export type { Finding };
/** GET/PUT /api/v1/node/profile and /api/v1/node/policy. */
export type Profile = ProfileInput;
export type Policy = ScreeningPolicy;

export interface CaseList {
  items: CaseSummary[];
  total: number;
  nextCursor: string | null;
}

export interface Party {
  code: string;
  name: string;
  fictional: boolean;
  instruments: Record<string, string>;
  node: { url: string } | null;
}

export interface Items<T> {
  items: T[];
}

/** One recorded change of the node's profile or policy (GET /api/v1/node/settings/history). */
export interface SettingsChange {
  at: string;
  key: string;
  user: { id: string; name: string };
  before: unknown;
  after: unknown;
  note: string | null;
}
