/** The log check every test federation runs at close (test/helpers/federation.ts) can fail, and says why. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertNoSecretsLogged, logContains } from '../helpers/federation.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function federationDir(log: string) {
  dir = mkdtempSync(join(tmpdir(), 'comity-logs-'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'ARC', 'keys'), { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  writeFileSync(join(dir, 'ARC', 'keys', 'signing-ed25519.pem'), pem);
  const jwkD = (privateKey.export({ format: 'jwk' }) as { d: string }).d;
  writeFileSync(join(dir, 'logs', 'ARC.log'), log.replace('PEM', pem).replace('JWK_D', jwkD));
}

describe('the check for secrets in logs', () => {
  it('passes clean logs and finds a password, a token, a PEM key or its raw JWK form', () => {
    federationDir('{"msg":"login","userId":"01J"}\n');
    expect(() => assertNoSecretsLogged(dir, new Set(['test-password-0']))).not.toThrow();
    for (const [log, what] of [
      ['{"password":"test-password-0"}', /a secret the test handled/],
      ['{"key":"PEM"}', /private key ARC\/keys\/signing-ed25519.pem/],
      ['{"d":"JWK_D"}', /\(as JWK\)/],
    ] as const) {
      rmSync(dir, { recursive: true, force: true });
      federationDir(`${log}\n`);
      expect(() => assertNoSecretsLogged(dir, new Set(['test-password-0']))).toThrow(what);
    }
  });

  it('reads a log in chunks and finds a secret across any chunk boundary (a long run writes logs too big to read whole)', () => {
    dir = mkdtempSync(join(tmpdir(), 'comity-logs-'));
    const path = join(dir, 'ARC.log');
    const secret = 'tok_9f8e7d6c5b4a';
    // Every offset of the secret against a 7-byte chunk, after text with two- and three-byte characters.
    for (let pad = 0; pad < 14; pad++) {
      writeFileSync(path, `${'é€'.repeat(pad)}${'x'.repeat(pad)}{"token":"${secret}"}\n${'ü'.repeat(20)}`);
      expect(logContains(path, [secret, 'absent-needle'], 7)).toEqual([secret]);
    }
    writeFileSync(path, '');
    expect(logContains(path, [secret], 7)).toEqual([]);
  });
});
