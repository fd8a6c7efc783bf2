/**
 * Reading a node's public ledger, no sign-in: the signed-note text routes (key, checkpoint), every entry page by
 * page (with a progress bar on a terminal), and the node's inclusion proofs.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { LogReplica } from '../../ledger/verify-log.ts';
import { CliError } from '../errors.ts';
import { type ApiClient, connectionError } from '../http.ts';
import { hash32 } from './ledger-hashes.ts';

const TIMEOUT_MS = 60_000;
/** Above this many entries a terminal shows a progress bar. */
const PROGRESS_THRESHOLD = 5000;

/** GET of a text route (the checkpoint and key are signed-note text, not JSON). */
export async function getText(url: string, path: string): Promise<string> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    text = await res.text();
  } catch (e) {
    throw connectionError(url, e, TIMEOUT_MS);
  }
  if (!res.ok) throw new CliError(`${url} answered GET ${path} with HTTP ${res.status} ${res.statusText}`);
  return text;
}

/** A bar with entries/s and time left, on stderr, for long downloads to a terminal. */
function entriesProgress(total: number): { update(done: number): void; stop(): void } {
  if (!process.stderr.isTTY || total <= PROGRESS_THRESHOLD) return { update() {}, stop() {} };
  const bar = new SingleBar(
    {
      format: 'entries [{bar}] {value}/{total} | {rate} entries/s | {eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { rate: '-' });
  return {
    update: (done) => {
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? String(Math.round(done / seconds)) : '-' });
    },
    stop: () => bar.stop(),
  };
}

export interface EntriesPage {
  entries: { index: number; entry: string }[];
}

/** Downloads entries [0, size) into the replica, page by page, showing each to `onEntry` first. */
export async function download(
  api: ApiClient,
  size: number,
  replica: LogReplica,
  onEntry: (index: number, entry: string) => void,
): Promise<void> {
  const bar = entriesProgress(size);
  try {
    while (replica.size < size) {
      const start = replica.size;
      const page = await api.get<EntriesPage>('/ledger/entries', { start, end: size });
      const entries = Array.isArray(page?.entries) ? page.entries : null;
      if (!entries?.length) throw new CliError(`${api.url} sent no entries from ${start} (of ${size})`);
      for (const e of entries) {
        if (replica.size === size) break;
        if (e?.index !== replica.size || typeof e.entry !== 'string')
          throw new CliError(
            `${api.url} sent entry ${JSON.stringify(e?.index)} where entry ${replica.size} was due`,
          );
        onEntry(e.index, e.entry);
        replica.append(e.entry);
      }
      bar.update(replica.size);
    }
  } finally {
    bar.stop();
  }
}

type InclusionProof = { index: number; size: number; hashes: unknown[] };

/** Fetches the node's inclusion proofs in the tree of `size`, as hashes. */
export function inclusionProofFetcher(api: ApiClient, size: number) {
  return async (index: number): Promise<Uint8Array[]> => {
    const proof = await api.get<InclusionProof>('/ledger/proof/inclusion', { index, size });
    const hashes = Array.isArray(proof?.hashes) ? proof.hashes.map(hash32) : null;
    if (proof?.index !== index || proof.size !== size || !hashes || hashes.some((h) => h === null))
      throw new CliError(`${api.url} sent a malformed inclusion proof for entry ${index}`);
    return hashes as Uint8Array[];
  };
}
