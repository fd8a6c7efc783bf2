/**
 * What `comity ledger verify` remembers between runs, one file per node: the key, size and root it last verified
 * (and the witnesses and quorum it required), so that the next run holds the node to them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from '../errors.ts';
import { configDir } from '../session.ts';
import { hash32 } from './ledger-hashes.ts';

/** What the last successful run verified, remembered per node. */
export interface VerifiedState {
  url: string;
  vkey: string;
  size: number;
  rootHash: string;
  /** The witnesses' verifier keys (tlog-cosignature v1) and the quorum last required. */
  witnesses?: string[];
  quorum?: number;
}

/** `<config dir>/ledger/<host>_<port>.json`: one state file per node. */
export function defaultStatePath(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const path = u.pathname.replace(/\/+$/, '');
  const name = `${u.hostname}_${port}${path}`.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(configDir(), 'ledger', `${name}.json`);
}

export function readState(path: string): VerifiedState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read the state file ${path}: ${(e as Error).message}`);
  }
  let s: Partial<VerifiedState> | null = null;
  try {
    s = JSON.parse(text);
  } catch {}
  if (
    typeof s?.url !== 'string' ||
    typeof s.vkey !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    s.size! < 0 ||
    !hash32(s.rootHash) ||
    (s.witnesses !== undefined &&
      (!Array.isArray(s.witnesses) || s.witnesses.some((w) => typeof w !== 'string'))) ||
    (s.quorum !== undefined && (!Number.isSafeInteger(s.quorum) || s.quorum < 0))
  )
    throw new CliError(`the state file ${path} is damaged; remove it to verify from scratch`);
  return s as VerifiedState;
}

export function writeState(path: string, state: VerifiedState): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    throw new CliError(
      `the log verified, but the state file ${path} cannot be written: ${(e as Error).message}`,
    );
  }
}
