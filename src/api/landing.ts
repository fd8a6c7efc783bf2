/** The page a browser sees at `/` until the web application lands: what this node is and where to go. */
import type { NodeCore } from '../core.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function landingPage(core: NodeCore): string {
  const self = core.trust.party(core.party);
  const peers = core.trust.parties().filter((p) => p.code !== core.party);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Comity · ${escapeHtml(self?.name ?? core.party)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}code{background:#f1f3f5;padding:.1rem .3rem;border-radius:4px}a{color:#0b5cad}</style>
</head><body>
<h1>Comity node: ${escapeHtml(self?.name ?? core.party)} (${escapeHtml(core.party)})</h1>
<p>This node exchanges signed and encrypted requests for cooperation against cybercrime with its peers.</p>
<ul>
<li><a href="/docs">API documentation</a> (OpenAPI document at <a href="/api/openapi.json"><code>/api/openapi.json</code></a>)</li>
<li>Health: <a href="/api/v1/health"><code>/api/v1/health</code></a></li>
<li>Command line: <code>npx comity login --url ${escapeHtml(self?.url ?? '')}</code></li>
</ul>
<h2>Peers</h2>
<ul>${peers.map((p) => `<li>${escapeHtml(p.name)} (${escapeHtml(p.code)}): <a href="${escapeHtml(p.url)}/">${escapeHtml(p.url)}</a></li>`).join('')}</ul>
</body></html>`;
}
