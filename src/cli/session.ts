/**
 * The stored login: one session per user account on this machine, in `<config dir>/session.json`.
 * The file holds a bearer token, so it is written owner-only (0600 in a 0700 folder) and atomically.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './errors.ts';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  party: string;
  roles: string[];
}

export interface StoredSession {
  url: string;
  token: string;
  expiresAt: string;
  user: SessionUser;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.COMITY_CONFIG_DIR) return env.COMITY_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'comity');
}

export function sessionPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'session.json');
}

export function readSession(): StoredSession | null {
  const path = sessionPath();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read the stored session ${path}: ${(e as Error).message}`);
  }
  try {
    const s = JSON.parse(text) as StoredSession;
    if (typeof s.url === 'string' && typeof s.token === 'string' && s.user) return s;
  } catch {}
  throw new CliError(`the stored session ${path} is damaged`, {
    hints: ['run `comity logout` and sign in again'],
  });
}

export function writeSession(session: StoredSession): string {
  const dir = configDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode only applies to folders it creates; the token's folder must not be readable by others.
  chmodSync(dir, 0o700);
  const path = sessionPath();
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/** Deletes the stored session; false when there was none. */
export function deleteSession(): boolean {
  const path = sessionPath();
  try {
    rmSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`cannot delete the stored session ${path}: ${(e as Error).message}`);
  }
}
