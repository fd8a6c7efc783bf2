/**
 * The node's own settings (issue 3): its party profile, laid over the registry's, and its screening policy.
 * Screening of incoming requests reads them; an administrator changes them, and every change is recorded with
 * who made it, when, and what the setting was before.
 */
import { desc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { requireAllowed } from '../access/guard.ts';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { type PartyProfile, partyProfile } from '../domain/parties.ts';
import type { InterchangeRequest } from '../domain/request.ts';
import { PolicySchema, ProfileSchema, policyFrom } from '../domain/safeguards/bundle.ts';
import type { ScreeningContext, ScreeningPolicy } from '../domain/safeguards/index.ts';
import type { Db } from '../store/db.ts';
import { nodeSettings, settingsChanges } from '../store/schema.ts';

/** What an administrator may set of the own party's profile: everything but the code. */
export const ProfileOverrideSchema = ProfileSchema.omit({ code: true })
  .partial()
  .meta({ id: 'ProfileOverride', description: "The node's own party profile, over the registry's" });
export type ProfileOverride = z.infer<typeof ProfileOverrideSchema>;

export const SETTING_SCHEMAS = { profile: ProfileOverrideSchema, policy: PolicySchema } as const;
export type SettingKey = keyof typeof SETTING_SCHEMAS;

async function stored(db: Db, key: SettingKey): Promise<unknown | undefined> {
  const row = (
    await db.select({ value: nodeSettings.value }).from(nodeSettings).where(eq(nodeSettings.key, key))
  )[0];
  return row?.value;
}

function fallbackProfile(code: string): PartyProfile {
  return partyProfile(code) ?? { code, name: code, fictional: false, instruments: {} };
}

/** The node's party profile: the registry's, with the administrator's settings over it. */
export async function effectiveProfile(core: NodeCore): Promise<PartyProfile> {
  const override = ProfileOverrideSchema.safeParse((await stored(core.db, 'profile')) ?? {});
  return {
    ...fallbackProfile(core.party),
    ...(override.success ? override.data : {}),
    code: core.party,
  } as PartyProfile;
}

/** The node's screening policy: defaults with the administrator's settings over them. */
export async function effectivePolicy(core: NodeCore): Promise<ScreeningPolicy> {
  const parsed = PolicySchema.safeParse((await stored(core.db, 'policy')) ?? {});
  return policyFrom(parsed.success ? parsed.data : undefined);
}

/** The context this node screens an incoming request in: its own profile and policy, the sender's registry profile. */
export async function incomingScreeningContext(
  core: NodeCore,
  request: InterchangeRequest,
): Promise<ScreeningContext> {
  return {
    requested: await effectiveProfile(core),
    requesting: fallbackProfile(request.from),
    policy: await effectivePolicy(core),
  };
}

/** Replaces a setting (administrators only) and records the change. */
export async function updateSetting<K extends SettingKey>(
  core: NodeCore,
  ctx: RequestContext,
  key: K,
  value: z.output<(typeof SETTING_SCHEMAS)[K]>,
  note?: string,
): Promise<void> {
  await requireAllowed(core, ctx, 'administer', { kind: 'node', party: core.party });
  const now = core.now();
  await core.db.transaction(async (tx) => {
    const before = (await tx.select().from(nodeSettings).where(eq(nodeSettings.key, key)).for('update'))[0];
    await tx
      .insert(nodeSettings)
      .values({ key, value, updatedAt: now, updatedBy: ctx.user.id })
      .onConflictDoUpdate({
        target: nodeSettings.key,
        set: { value, updatedAt: now, updatedBy: ctx.user.id },
      });
    await tx.insert(settingsChanges).values({
      at: now,
      key,
      userId: ctx.user.id,
      userName: ctx.user.name,
      before: before?.value ?? null,
      after: value,
      note: note ?? null,
    });
    await appendLedger(core, tx, {
      type: 'settings-changed',
      party: core.party,
      at: now,
      record: { key, user: ctx.user.id, before: before?.value ?? null, after: value, note: note ?? null },
    });
  });
  core.log.info({ key, userId: ctx.user.id }, 'node setting changed');
}

/** The record of setting changes (administrators and oversight). */
export async function settingsHistory(core: NodeCore, ctx: RequestContext, limit = 100) {
  await requireAllowed(core, ctx, 'audit', { kind: 'node', party: core.party });
  const rows = await core.db.select().from(settingsChanges).orderBy(desc(settingsChanges.id)).limit(limit);
  return rows.map((r) => ({
    at: r.at.toISOString(),
    key: r.key,
    user: { id: r.userId, name: r.userName },
    before: r.before,
    after: r.after,
    note: r.note,
  }));
}
