/** What a node logged about an error: read after a 5xx, since it says where the node broke. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestFederation } from '../../helpers/federation.ts';
import type { Target } from './request.ts';

/** The last error a node logged (its log file, test/helpers/federation.ts), as one line. */
export async function lastLoggedError(fed: TestFederation, t: Target): Promise<string> {
  const log = fed.demo.nodes[t]!.core.log;
  await new Promise<void>((resolve) => (log.flush ? log.flush(() => resolve()) : resolve()));
  // The destination writes asynchronously even after a flush: give it a moment (only after a 5xx).
  await new Promise((resolve) => setTimeout(resolve, 300));
  let text: string;
  try {
    text = readFileSync(join(fed.dir, 'logs', `${t}.log`), 'utf8').slice(-500_000);
  } catch {
    return ''; // no log file: another logger
  }
  for (const line of text.trimEnd().split('\n').reverse()) {
    let entry: { level?: number; msg?: string; err?: { type?: string; message?: string; stack?: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a line cut by the 500 kB window
    }
    if ((entry.level ?? 0) < 50) continue;
    const frame =
      entry.err?.stack
        ?.split('\n')
        .find((l) => l.includes('/src/'))
        ?.trim() ?? '';
    const message = (entry.err?.message ?? '').split('\n')[0]!.slice(0, 200);
    return `${entry.msg ?? ''}: ${entry.err?.type ?? ''} ${message} ${frame}`;
  }
  return '';
}
