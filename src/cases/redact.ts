/**
 * What an oversight body sees of a case (design §10, issue 7): its type, parties, course, deadlines, offences
 * and the grounds of decisions, without subjects' names, identifiers, facts or any free text that could carry
 * them (notes, justifications, screening quotations).
 */
import type { z } from 'zod';
import { type CaseView, REDACTED, type RedactedRequestSchema } from './view.ts';

type RedactedRequest = z.infer<typeof RedactedRequestSchema>;

function redactRequest(request: CaseView['request']): RedactedRequest {
  return {
    ...request,
    authority: {},
    facts: REDACTED,
    purpose: REDACTED,
    offences: request.offences.map((o) => ({
      code: o.code,
      ...(o.maxPenaltyYears !== undefined ? { maxPenaltyYears: o.maxPenaltyYears } : {}),
    })),
    subjects: request.subjects.map((s) => ({ name: REDACTED, role: s.role })),
    data: request.data.map((d) => ({
      category: d.category,
      identifiers: [],
      identifierCount: 'identifierCount' in d ? d.identifierCount : d.identifiers.length,
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
          findings: view.screening.findings.map((f) => ({
            rule: f.rule,
            outcome: f.outcome,
            article: f.article,
            reason: REDACTED,
            evidence: [],
          })),
        }
      : null,
    history: view.history.map((h) => ({
      ...h,
      actor: { ...h.actor, name: h.actor.name === null ? null : REDACTED },
      details: redactDetails(h.details),
    })),
  };
}
