/** Replaces the request of a draft: `PUT /api/v1/cases/{id}`. Only drafts can be edited; amendments go through `amend`. */

import { eq } from 'drizzle-orm';
import { caseResource, requireAllowed } from '../access/guard.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import type { InterchangeRequest } from '../domain/request.ts';
import type { CaseRow } from '../store/schema.ts';
import { cases } from '../store/schema.ts';
import { caseColumnsOf } from './case-columns.ts';
import { loadCaseFor, lockCase } from './guard.ts';
import { appendEvent } from './record-transition.ts';

export async function updateDraft(
  core: NodeCore,
  ctx: RequestContext,
  id: string,
  request: InterchangeRequest,
): Promise<CaseRow> {
  const row = await loadCaseFor(core, ctx, id, { action: 'edit' });
  await requireAllowed(core, ctx, 'edit', caseResource(core, row));
  if (request.from !== row.requesting)
    throw new AppError('bad-request', 'A draft stays with the party that created it.', {
      errors: [{ field: 'from', message: `must be ${row.requesting}` }],
    });
  return core.db.transaction(async (tx) => {
    const locked = await lockCase(tx, id);
    if (locked.state !== 'draft')
      throw new AppError('conflict', `Only drafts can be edited; this case is ${locked.state}.`);
    const now = core.now();
    const updated = (
      await tx
        .update(cases)
        .set({
          ...caseColumnsOf(request),
          updatedAt: now,
          version: locked.version + 1,
        })
        .where(eq(cases.id, id))
        .returning()
    )[0];
    await appendEvent(core, tx, {
      caseId: id,
      action: 'edit',
      fromState: 'draft',
      toState: 'draft',
      actor: ctx.user,
      details: {},
      at: now,
    });
    return updated!;
  });
}
