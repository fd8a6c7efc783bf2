/**
 * What an oversight body sees of a case (design §10, issue 7): its type, parties, course, deadlines, offences
 * and the grounds of decisions, without subjects' names, identifiers, facts or any free text that could carry
 * them (notes, justifications, screening quotations).
 */
import type { caseView } from './case-view.ts';

type CaseView = Awaited<ReturnType<typeof caseView>>;

export const REDACTED = '[redacted]';

function redactRequest(request: Record<string, unknown>): Record<string, unknown> {
  const subjects = Array.isArray(request.subjects) ? request.subjects : [];
  const data = Array.isArray(request.data) ? request.data : [];
  const offences = Array.isArray(request.offences) ? request.offences : [];
  return {
    ...request,
    authority: {},
    facts: REDACTED,
    purpose: REDACTED,
    offences: offences.map((o: Record<string, unknown>) => ({
      code: o.code,
      ...(o.maxPenaltyYears !== undefined ? { maxPenaltyYears: o.maxPenaltyYears } : {}),
    })),
    subjects: subjects.map((s: Record<string, unknown>) => ({ name: REDACTED, role: s.role })),
    data: data.map((d: Record<string, unknown>) => ({
      category: d.category,
      identifiers: [],
      identifierCount: Array.isArray(d.identifiers) ? d.identifiers.length : 0,
      ...(d.from ? { from: d.from } : {}),
      ...(d.to ? { to: d.to } : {}),
    })),
  };
}

/** Keeps of an event's details only the closed vocabulary: grounds and the kinds of conditions. */
function redactDetails(details: unknown): Record<string, unknown> {
  if (!details || typeof details !== 'object') return {};
  const d = details as Record<string, unknown>;
  return {
    ...(Array.isArray(d.grounds) ? { grounds: d.grounds } : {}),
    ...(Array.isArray(d.conditions)
      ? { conditions: d.conditions.map((c: Record<string, unknown>) => ({ kind: c?.kind })) }
      : {}),
  };
}

export function redactCase(view: CaseView): CaseView & { redacted: true } {
  return {
    ...view,
    redacted: true,
    request: redactRequest(view.request),
    availableActions: [],
    screening: view.screening
      ? {
          ...view.screening,
          findings: Array.isArray(view.screening.findings)
            ? view.screening.findings.map((f: Record<string, unknown>) => ({
                rule: f.rule,
                outcome: f.outcome,
                article: f.article,
                reason: REDACTED,
                evidence: [],
              }))
            : [],
        }
      : null,
    history: view.history.map((h) => ({
      ...h,
      actor: { ...h.actor, name: h.actor.name === null ? null : REDACTED },
      details: redactDetails(h.details),
    })),
  };
}
