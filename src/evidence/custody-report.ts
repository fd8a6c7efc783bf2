/**
 * The custody report of an exported package: one self-contained HTML page a court clerk can open and print,
 * listing the package, its conditions, each file with its hashes, every custody event from collection to
 * export, and the ledger proofs that back them. Everything is escaped; the page loads nothing.
 */
import type { PackageExport } from './access.ts';
import type { PackageVerification } from './package-dir.ts';

const esc = (v: unknown) =>
  String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const bytes = (n: number | null | undefined) =>
  n == null
    ? ''
    : n >= 1024 ** 2
      ? `${(n / 1024 ** 2).toFixed(1)} MiB (${n.toLocaleString('en')} bytes)`
      : `${n.toLocaleString('en')} bytes`;

export interface CustodyRow {
  at: string;
  party: string;
  by: string;
  file: string;
  event: string;
  source: string;
}

/** Every custody event, the producer's (from the signed manifest) and the exporting node's, in time order. */
export function custodyRows(exp: PackageExport): CustodyRow[] {
  const rows: CustodyRow[] = [];
  for (const [idx, f] of exp.manifest.files.entries())
    for (const c of f.custody)
      rows.push({
        at: c.at,
        party: c.party,
        by: c.by,
        file: `${idx} ${f.name}`,
        event: c.event,
        source: 'signed manifest',
      });
  for (const e of exp.package.custody)
    rows.push({
      at: e.at,
      party: e.party,
      by: e.by,
      file: e.file == null ? 'package' : `${e.file} ${exp.manifest.files[e.file]?.name ?? ''}`.trim(),
      event: e.description,
      source: `ledger of ${exp.package.side === 'received' ? exp.package.receiver : exp.package.producer}, entry ${e.ledgerIndex}`,
    });
  return rows.sort((a, b) => a.at.localeCompare(b.at));
}

/** What the verification at export says; the exporting node's own trust list vouches for nothing by itself. */
const VERDICTS: Record<PackageVerification['status'], string> = {
  verified: 'Every check passed.',
  unverified:
    'Every check passed against the trust list the exporting node had in force, which nothing in this folder vouches for: verify the folder with the administrator key as below.',
  failed: 'Some checks FAILED.',
};

export function renderCustodyReport(
  exp: PackageExport,
  verification?: Pick<PackageVerification, 'status' | 'checks'>,
): string {
  const m = exp.manifest;
  const c = m.conditions;
  const files = m.files
    .map(
      (
        f,
        i,
      ) => `<tr><td>${i}</td><td>${esc(f.name)}</td><td>${esc(f.mediaType)}</td><td>${esc(bytes(f.size))}</td>
<td><code>${esc(f.sha256)}</code></td><td><code>${esc(f.cipherSha256)}</code></td><td>${esc(f.collectedBy)}<br>${esc(f.collectedAt)}</td></tr>`,
    )
    .join('\n');
  const custody = custodyRows(exp)
    .map(
      (r) =>
        `<tr><td>${esc(r.at)}</td><td>${esc(r.party)}</td><td>${esc(r.by)}</td><td>${esc(r.file)}</td><td>${esc(r.event)}</td><td>${esc(r.source)}</td></tr>`,
    )
    .join('\n');
  const proofs = exp.proofs
    .map(
      (p) =>
        `<li>${esc(p.party)}: entry ${p.index} of <code>${esc(p.origin)}</code>, in the tree of ${esc(p.checkpoint.split('\n')[1])} entries signed by ${esc(p.party)}</li>`,
    )
    .join('\n');
  const checks = verification
    ? `<h2>Verification at export</h2><p class="${verification.status === 'failed' ? 'bad' : 'ok'}">${VERDICTS[verification.status]}</p>
<ul>${verification.checks.map((k) => `<li class="${k.ok ? 'ok' : 'bad'}">${k.ok ? '✓' : '✗'} ${esc(k.what)}: ${esc(k.detail)}</li>`).join('\n')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Chain of custody: evidence package ${esc(m.package)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:start;vertical-align:top}th{background:#eee}code{font-size:12px;word-break:break-all}
.ok{color:#05632b}.bad{color:#a00000;font-weight:bold}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
</style></head><body>
<h1>Chain of custody</h1>
<dl>
<dt>Evidence package</dt><dd><code>${esc(m.package)}</code></dd>
<dt>Case</dt><dd><code>${esc(m.case)}</code></dd>
<dt>Produced by</dt><dd>${esc(m.from)} (requested party), manifest signed ${esc(m.createdAt)}</dd>
<dt>For</dt><dd>${esc(m.to)} (requesting party)</dd>
<dt>Manifest SHA-256</dt><dd><code>${esc(exp.package.manifestSha256)}</code></dd>
<dt>Sealed to</dt><dd><code>${esc(m.recipient)}</code> (age X25519)</dd>
<dt>Retention until</dt><dd>${esc(c.retentionUntil ?? 'not limited by the decision')}</dd>
<dt>Use limitation</dt><dd>${esc(c.useLimitation ?? 'none stated')}</dd>
${(c.other ?? []).map((o) => `<dt>Condition (${esc(o.kind)})</dt><dd>${esc(o.text)}</dd>`).join('\n')}
<dt>Exported</dt><dd>${esc(exp.exportedAt)} by ${esc(exp.exportedBy)}</dd>
</dl>
<h2>Files</h2>
<table><thead><tr><th>#</th><th>Name</th><th>Type</th><th>Size</th><th>SHA-256 (plaintext)</th><th>SHA-256 (sealed)</th><th>Collected</th></tr></thead>
<tbody>${files}</tbody></table>
<h2>Custody events</h2>
<table><thead><tr><th>When (UTC)</th><th>Party</th><th>By</th><th>File</th><th>Event</th><th>Recorded in</th></tr></thead>
<tbody>${custody}</tbody></table>
<h2>Ledger proofs</h2>
<ul>${proofs || '<li>none</li>'}</ul>
${exp.missing.length ? `<p class="bad">${exp.missing.map(esc).join('<br>')}</p>` : ''}
${checks}
<p>Check this package at any time, offline, with the trust-list administrator's public key obtained from its administrator:
<code>npx comity evidence verify &lt;this folder&gt; --admin-key &lt;key&gt;</code> (or <code>--trust-list &lt;file&gt;</code>, a trust list
obtained independently). This page and the trust list in the folder prove nothing by themselves. The sealed files open with the
reference <code>age</code> tool given the package identity (<code>comity evidence key export</code>, administrators of ${esc(m.to)}).</p>
</body></html>
`;
}
