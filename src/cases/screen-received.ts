/**
 * Screens incoming requests (design §6) once they are received: received → screening → in-review. The two
 * steps are separate transactions, so a node that stops mid-screening finds the case in `screening` at its next
 * start and screens it again.
 */
import { and, eq, lt, or } from 'drizzle-orm';
import { appendLedger } from '../audit/ledger.ts';
import type { NodeCore } from '../core.ts';
import type { InterchangeRequest } from '../domain/request.ts';
import { screen } from '../domain/safeguards/index.ts';
import { incomingScreeningContext } from '../settings/node-settings.ts';
import { cases, screenings } from '../store/schema.ts';
import { lockCase } from './guard.ts';
import { recordTransition } from './record-transition.ts';

const STALE_SCREENING_MS = 60_000;

async function screenOne(core: NodeCore, id: string): Promise<void> {
  const system = { kind: 'system' as const, party: core.party };
  const started = await core.db.transaction(async (tx) => {
    const row = await lockCase(tx, id);
    if (row.state === 'received')
      return recordTransition(core, tx, { row, action: 'screen', details: {}, actor: system });
    return row.state === 'screening' ? row : null;
  });
  if (!started) return;
  const request = started.request as InterchangeRequest;
  const result = screen(request, await incomingScreeningContext(core, request));
  await core.db.transaction(async (tx) => {
    const row = await lockCase(tx, id);
    if (row.state !== 'screening') return;
    await tx
      .insert(screenings)
      .values({ caseId: id, at: core.now(), verdict: result.verdict, findings: result.findings });
    await appendLedger(core, tx, {
      type: 'screening',
      party: core.party,
      caseId: id,
      record: { verdict: result.verdict, findings: result.findings },
    });
    await recordTransition(core, tx, {
      row,
      action: 'finish-screening',
      details: {},
      actor: system,
    });
  });
  core.log.info({ caseId: id, verdict: result.verdict }, 'request screened');
}

/** Screens every received request of this node, and any left mid-screening by a stopped process. */
export async function screenReceived(core: NodeCore): Promise<number> {
  const stale = new Date(core.now().getTime() - STALE_SCREENING_MS);
  const due = await core.db
    .select({ id: cases.id })
    .from(cases)
    .where(
      and(
        eq(cases.requested, core.party),
        or(eq(cases.state, 'received'), and(eq(cases.state, 'screening'), lt(cases.updatedAt, stale))),
      ),
    )
    .limit(100);
  for (const { id } of due) await screenOne(core, id);
  return due.length;
}
