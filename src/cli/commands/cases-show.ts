/** `comity cases show ID`: one case with its deadline, actions, screening, request, history and messages. */
import type { Command } from 'commander';
import type { Case, Finding } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { relativeDue, textWidth, utc, wrap } from '../format.ts';
import { emit } from '../output.ts';
import { historyLines, requestLines } from './render-case.ts';

const LABEL = 12;
const field = (label: string, value: string) => `${label.padEnd(LABEL)}${value}`;

function deadlineLine(c: Case): string {
  const d = c.deadline;
  if (!d) return 'none';
  const who = d.waitingOn === 'requested' ? c.requested : c.requesting;
  return `${d.kind} due ${utc(d.dueAt)} (${relativeDue(d.dueAt)}), waiting on ${who}`;
}

function screeningLines(c: Case): string[] {
  if (!c.screening) return [];
  const findings = Array.isArray(c.screening.findings) ? (c.screening.findings as Finding[]) : [];
  const width = textWidth();
  const shown = findings.filter((f) => f.outcome !== 'clear');
  const cleared = findings.filter((f) => f.outcome === 'clear').map((f) => f.rule);
  return [
    '',
    `Screening   ${c.screening.verdict} (${utc(c.screening.at)})`,
    ...shown.flatMap((f) => [
      `  ${f.outcome.toUpperCase()} ${f.rule} [${f.article}]`,
      `    ${wrap(f.reason, width - 4, '    ')}`,
      ...(f.evidence?.length ? [`    evidence: ${wrap(f.evidence.join('; '), width - 14, '      ')}`] : []),
    ]),
    ...(cleared.length ? [`  clear: ${wrap(cleared.join(', '), width - 9, '         ')}`] : []),
  ];
}

export function caseLines(c: Case): string[] {
  const messages = c.messages.map(
    (m) =>
      `  ${utc(m.at)}  ${m.direction.padEnd(8)} ${m.type.padEnd(12)} ${m.status}` +
      `${m.deliveredAt ? ` ${utc(m.deliveredAt)}` : ''}${m.lastError ? ` (${m.lastError})` : ''}`,
  );
  return [
    `Case ${c.id}`,
    field('Type', `${c.type} (${c.instrument}, ${c.channel} channel)`),
    field('Parties', `${c.requesting} → ${c.requested} (${c.direction})`),
    field('Urgency', c.urgency),
    field('State', c.state),
    ...(c.verdict ? [field('Verdict', c.verdict)] : []),
    field('Created', utc(c.createdAt)),
    field('Updated', utc(c.updatedAt)),
    field('Deadline', deadlineLine(c)),
    field('Actions', c.availableActions.length ? c.availableActions.join(', ') : 'none open to you'),
    ...screeningLines(c),
    '',
    'Request',
    ...requestLines(c.request),
    '',
    'History',
    ...historyLines(c.history),
    ...(messages.length ? ['', 'Messages', ...messages] : []),
  ];
}

async function show(id: string, opts: CommonOptions): Promise<void> {
  const c = await signedInClient(opts).get<Case>(`/api/v1/cases/${encodeURIComponent(id)}`);
  emit(c, () => caseLines(c));
}

export function registerCasesShow(cases: Command): void {
  withCommonOptions(
    cases.command('show').description('show one case in full').argument('<id>', 'case id'),
  ).action(show);
}
