/**
 * Text rendering of evidence packages (sizes, the file table, a package with its custody), shared by the
 * evidence commands.
 */
import type { PackageView } from '../../evidence/view.ts';
import { printable, utc } from '../format.ts';
import { table } from '../output.ts';

const MiB = 1024 * 1024;
export const human = (n: number | null | undefined) =>
  n == null
    ? '-'
    : n >= MiB
      ? `${(n / MiB).toFixed(1)} MiB`
      : n >= 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${n} B`;

export function fileTable(view: PackageView): string[] {
  return table(
    ['#', 'FILE', 'SIZE', 'STATUS', 'SHA-256'],
    view.files.map((f) => [
      String(f.idx),
      f.name,
      human(f.size),
      f.bytesHeld != null ? `${f.status} (${human(f.bytesHeld)} held)` : f.status,
      f.sha256,
    ]),
  );
}

export function showPackage(view: PackageView): string[] {
  return [
    `Package ${view.id} (${view.side === 'produced' ? `produced here for ${view.receiver}` : `from ${view.producer}`}): ${view.status}`,
    `  case ${view.caseId}, sealed to ${view.recipient}`,
    ...(view.manifestSha256 ? [`  manifest SHA-256 ${view.manifestSha256}`] : []),
    ...(view.retentionUntil ? [`  retention until ${view.retentionUntil}`] : []),
    ...(view.shreddedAt ? [`  identity destroyed ${utc(view.shreddedAt)}`] : []),
    ...fileTable(view).map((l) => `  ${l}`),
    '  custody:',
    ...view.custody.map(
      (e) =>
        `    ${utc(e.at)} ${e.party} ${printable(e.by)}: ${printable(e.description)}${e.file != null ? ` (file ${e.file})` : ''} [ledger ${e.ledgerIndex}]`,
    ),
  ];
}
