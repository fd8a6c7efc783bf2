/**
 * A 32-byte secret kept in a file of its own, readable by the node's user only (mode 0600, its folder 0700):
 * read if it is there, made on first use. The ledger's case-hash key and the key that seals secrets the node
 * must read back are two such files; each keeps the encoding it was first written in.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function loadOrCreateSecretFile(path: string, encoding: 'base64' | 'base64url'): Buffer {
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), encoding);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString(encoding)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}
