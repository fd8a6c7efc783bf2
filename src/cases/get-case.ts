/** One case with its history, screening and messages: `GET /api/v1/cases/{id}`. The read is logged. */
import type { NodeCore } from '../core.ts';
import type { RequestContext } from '../domain/actor.ts';
import { caseView } from './case-view.ts';
import { loadCaseForReading } from './guard.ts';
import { redactCase } from './redact.ts';

/** The case as this user may see it: in full, or redacted for an oversight body (redact.ts). */
export async function getCase(core: NodeCore, ctx: RequestContext, id: string) {
  const { row, redacted } = await loadCaseForReading(core, ctx, id);
  const view = await caseView(core, ctx, row);
  return redacted ? redactCase(view) : view;
}
