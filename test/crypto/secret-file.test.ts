/** A secret in a file of its own (src/crypto/secret-file.ts): made once, read back the same, readable by its owner only. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSecretFile } from '../../src/crypto/secret-file.ts';

describe('a secret file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'comity-secret-'));

  it('is made on first use, mode 0600 in a 0700 folder, and read back the same', () => {
    const path = join(dir, 'keys', 'a.key');
    const made = loadOrCreateSecretFile(path, 'base64url');
    expect(made.length).toBe(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(loadOrCreateSecretFile(path, 'base64url').equals(made)).toBe(true);
  });

  it('reads a file written before, in its own encoding and without a final newline', () => {
    const path = join(dir, 'old.key');
    const key = Buffer.alloc(32, 7);
    writeFileSync(path, key.toString('base64'));
    expect(loadOrCreateSecretFile(path, 'base64').equals(key)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(key.toString('base64'));
  });
});
