/** Creates a draft case from an interchange request, on behalf of the signed-in user's party. */

import { ulid } from 'ulid';
import { requireAllowed } from '../access/guard.ts';
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { AppError } from '../domain/errors.ts';
import type { InterchangeRequest } from '../domain/request.ts';
import type { CaseRow } from '../store/schema.ts';
import { cases } from '../store/schema.ts';
import { caseColumnsOf } from './case-columns.ts';
import { appendEvent } from './record-transition.ts';

export async function createCase(
  core: NodeCore,
  ctx: RequestContext,
  request: InterchangeRequest,
): Promise<CaseRow> {
  await requireAllowed(core, ctx, 'create', { kind: 'party', code: ctx.user.party });
  if (request.from !== ctx.user.party)
    throw new AppError('bad-request', 'A request can only be drafted for your own party.', {
      errors: [{ field: 'from', message: `must be ${ctx.user.party}, your party` }],
    });
  const now = core.now();
  const id = ulid(now.getTime());
  return core.db.transaction(async (tx) => {
    const row = (
      await tx
        .insert(cases)
        .values({
          id,
          ...caseColumnsOf(request),
          state: 'draft',
          createdBy: ctx.user.id,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
    )[0];
    await appendEvent(core, tx, {
      caseId: id,
      action: 'create',
      fromState: null,
      toState: 'draft',
      actor: ctx.user,
      details: {},
      at: now,
    });
    return row!;
  });
}
