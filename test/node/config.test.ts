/** A node's config file: validated at start with readable errors; paths are relative to the file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNodeConfig } from '../../src/node/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'comity-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function configFile(extra: Record<string, unknown>): string {
  const path = join(dir, `node-${n++}.json`);
  const base = { party: 'ARC', listen: { port: 4101 }, dataDir: './data', trustList: './trust-list.jws' };
  writeFileSync(path, JSON.stringify({ ...base, ...extra }));
  return path;
}

describe('readNodeConfig', () => {
  it('resolves paths against the file and lets DATABASE_URL override databaseUrl', () => {
    const config = readNodeConfig(configFile({ databaseUrl: 'postgres://a/b' }), {
      DATABASE_URL: 'postgres://c/d',
    });
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.trustList).toBe(join(dir, 'trust-list.jws'));
    expect(config.databaseUrl).toBe('postgres://c/d');
  });

  it('accepts proxies as addresses, CIDR ranges or proxy-addr names', () => {
    const trustProxy = ['10.0.0.1', '10.0.0.0/8', 'fd00::/8', '::1', 'loopback'];
    expect(readNodeConfig(configFile({ trustProxy }), {}).trustProxy).toEqual(trustProxy);
  });

  it.each([
    [['10.0.0.0/33'], /trustProxy\[0\]: an IP address, a CIDR range/],
    [['0.0.0.0/0'], /trustProxy\[0\]: an IP address, a CIDR range \(10\.0\.0\.0\/8, not \/0\)/],
    [['::/0'], /trustProxy\[0\]/],
    [['proxy.example'], /trustProxy\[0\]: an IP address, a CIDR range/],
    [['10.0.0.1', '1.2.3.4/8/9'], /trustProxy\[1\]/],
    [[], /trustProxy/],
  ])('refuses trustProxy %j with the entry named', (trustProxy, message) => {
    expect(() => readNodeConfig(configFile({ trustProxy }), {})).toThrow(message);
  });

  it('refuses unknown keys and says which', () => {
    expect(() => readNodeConfig(configFile({ trustproxy: ['10.0.0.1'] }), {})).toThrow(/trustproxy/);
  });
});

describe('startNode', () => {
  it('refuses to start without the administrator key that signs the trust list (issue 14, finding 10)', async () => {
    const { startNode } = await import('../../src/node/node.ts');
    const config = readNodeConfig(configFile({}), {});
    expect(config.trustListSigner).toBeUndefined();
    await expect(startNode(config)).rejects.toThrow(/trustListSigner is required/);
  });
});
