/** Text rendering of a case's request and history, shared by `cases show`. */
import type { HistoryEntry, Request } from '../api-types.ts';
import { textWidth, utc, wrap } from '../format.ts';

const INDENT = '  ';
const LABEL = 12;

function block(label: string, text: string | undefined): string[] {
  if (!text?.trim()) return [`${INDENT}${label.padEnd(LABEL)}-`];
  const pad = ' '.repeat(INDENT.length + LABEL);
  return [`${INDENT}${label.padEnd(LABEL)}${wrap(text, textWidth() - pad.length, pad)}`];
}

function list(label: string, items: string[]): string[] {
  if (!items.length) return [`${INDENT}${label.padEnd(LABEL)}-`];
  const pad = ' '.repeat(INDENT.length + LABEL);
  const wrapped = (item: string) => wrap(item, textWidth() - pad.length, `${pad}  `);
  return items.map((item, i) => `${i === 0 ? `${INDENT}${label.padEnd(LABEL)}` : pad}${wrapped(item)}`);
}

/** The structured data-protection terms, when the request gives them (issue 15). */
function dataProtectionLines(terms: Request['dataProtection']): string[] {
  if (!terms) return [];
  return list('Data use', [
    `use limitation: ${terms.useLimitation?.trim() || '(not given; see purpose)'}`,
    `retention: ${terms.retention?.trim() || '(not given; see purpose)'}`,
    `onward transfer: ${terms.onwardTransfer?.trim() || '(not given; see purpose)'}`,
  ]);
}

export function requestLines(raw: Record<string, unknown>): string[] {
  const r = raw as Request;
  const authority = [r.authority?.name, r.authority?.contact ? `<${r.authority.contact}>` : '']
    .filter(Boolean)
    .join(' ');
  const offences = (r.offences ?? []).map(
    (o) =>
      `${o.code}${o.domestic ? `: ${o.domestic}` : ''}${o.maxPenaltyYears !== undefined ? ` (max ${o.maxPenaltyYears} y)` : ''}`,
  );
  const subjects = (r.subjects ?? []).map(
    (s) =>
      `${s.name} (${[s.role, s.nationality].filter(Boolean).join(', ')})${s.description ? `: ${s.description}` : ''}`,
  );
  const data = (r.data ?? []).map((d) => {
    const period = d.from || d.to ? ` ${d.from ?? '…'} to ${d.to ?? '…'}` : '';
    return `${d.category}: ${d.identifiers?.join(', ') || '(no identifiers)'}${d.provider ? ` at ${d.provider}` : ''}${period}`;
  });
  return [
    ...block('Authority', authority),
    ...list('Offences', offences),
    ...block('Facts', r.facts),
    ...block('Purpose', r.purpose),
    ...list('Subjects', subjects),
    ...list('Data', data),
    ...dataProtectionLines(r.dataProtection),
    ...(r.deathPenaltyPossible ? [`${INDENT}${'Note'.padEnd(LABEL)}the death penalty is possible`] : []),
  ];
}

/** The details an action carries, one line each: grounds, note, conditions, and anything else as JSON. */
function detailLines(details: unknown): string[] {
  if (typeof details !== 'object' || details === null) return [];
  const pad = `${INDENT}     `;
  const out: string[] = [];
  for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
    if (key === 'grounds' && Array.isArray(value)) out.push(`grounds: ${value.join(', ')}`);
    else if (key === 'missing' && Array.isArray(value)) out.push(`missing: ${value.join(', ')}`);
    else if (key === 'conditions' && Array.isArray(value))
      for (const c of value as { kind: string; text: string }[]) out.push(`condition ${c.kind}: ${c.text}`);
    else if (key === 'request') out.push('request: replaced by the amended request');
    else if (typeof value === 'string') out.push(`${key}: ${value}`);
    else out.push(`${key}: ${JSON.stringify(value)}`);
  }
  return out.map((l) => `${pad}${wrap(l, textWidth() - pad.length - 2, `${pad}  `)}`);
}

export function historyLines(history: HistoryEntry[]): string[] {
  return history.flatMap((h) => {
    const actor = h.actor.name ?? h.actor.kind;
    const move = `${h.fromState ?? '-'}→${h.toState ?? '-'}`;
    return [
      `${INDENT}${String(h.seq).padStart(3)} ${utc(h.at)} ${h.party} ${actor}: ${h.action} ${move}`,
      ...detailLines(h.details),
    ];
  });
}
