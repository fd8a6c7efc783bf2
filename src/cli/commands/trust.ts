/**
 * `comity trust …` and `comity keys rotate`: the administrator's tools for the trust list. The administrator
 * key stays with the administrator (offline); the node holds only its public half (`trustListSigner`).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type PublicJwk, rotateNodeKeys, trustListEntries } from '../../crypto/keys.ts';
import { TrustList } from '../../crypto/trust-list.ts';
import { signTrustList, trustAdminKid } from '../../crypto/trust-list-jws.ts';
import { AdminKeySchema, TrustListSchema } from '../../crypto/trust-list-schema.ts';
import { issuesLine } from '../../domain/errors.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { readJsonFile } from '../files.ts';
import { emit, table } from '../output.ts';
import { registerTrustOfficers } from './trust-officers.ts';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The public half of an Ed25519 private key in PEM; any other kind of key is refused by name. */
function publicJwkOfPem(path: string, what = 'the administrator key'): PublicJwk {
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(readText(path));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${path}: ${what} is not a private key in PEM`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new CliError(`${path}: ${what} must be Ed25519, not ${key.asymmetricKeyType ?? 'a secret key'}`);
  const { x } = createPublicKey(key).export({ format: 'jwk' }) as { x: string };
  return { kty: 'OKP', crv: 'Ed25519', x };
}

function keygen(opts: { out: string; json?: boolean }): void {
  if (existsSync(opts.out)) throw new CliError(`${opts.out} exists; the command never overwrites a key`);
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(opts.out, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  const jwk = publicJwkOfPem(opts.out);
  emit(
    { key: opts.out, kid: trustAdminKid(jwk), trustListSigner: jwk },
    () =>
      `Wrote ${opts.out} (keep it offline). Put this in each node's config as "trustListSigner":\n${JSON.stringify(jwk)}`,
  );
}

/**
 * The public half of an administrator key given as a JWK (JSON text, or a file holding it) or as its private
 * key's PEM file.
 */
export function adminKeyOf(value: string, option = '--next-signer'): PublicJwk {
  const inline = value.trim().startsWith('{');
  const text = inline ? value : readText(value);
  if (text.trim().startsWith('{')) {
    const where = inline ? value : `the one in ${value}`;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(`${option}: not JSON: ${where}`);
    }
    const parsed = AdminKeySchema.safeParse(json);
    if (!parsed.success) throw new CliError(`${option}: not an Ed25519 public JWK: ${where}`);
    return parsed.data;
  }
  return publicJwkOfPem(value, option);
}

function signList(
  file: string,
  opts: { key: string; out?: string; nextSigner?: string; json?: boolean },
): void {
  const raw = readJsonFile(file);
  if (opts.nextSigner && raw && typeof raw === 'object')
    (raw as Record<string, unknown>).nextSigner = adminKeyOf(opts.nextSigner);
  const parsed = TrustListSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`${file}: ${issuesLine(parsed.error.issues)}`);
  // Checks the list as a node would before signing it (active keys for every party).
  new TrustList(parsed.data);
  const signer = publicJwkOfPem(opts.key, '--key');
  const jws = signTrustList(parsed.data, createPrivateKey(readText(opts.key)));
  const out = opts.out ?? `${file.replace(/\.json$/, '')}.jws`;
  writeFileSync(out, `${jws}\n`);
  const next = parsed.data.nextSigner ? trustAdminKid(parsed.data.nextSigner) : null;
  emit(
    {
      out,
      serial: parsed.data.serial ?? null,
      signedBy: trustAdminKid(signer),
      nextSigner: next,
    },
    () =>
      `Signed ${file} → ${out}` +
      (next
        ? `\nIt hands over to ${next}: once it is installed, a list signed with that key is accepted, and after that only such lists.`
        : ''),
  );
}

function show(file: string, opts: { signer?: string; json?: boolean }): void {
  const text = readText(file).trim();
  let trust: TrustList;
  let signature: string;
  try {
    if (opts.signer) {
      trust = TrustList.parse(text, adminKeyOf(opts.signer, '--signer'));
      signature = `signed by ${trust.signedBy} (signature checked)`;
    } else {
      const inspected = TrustList.inspect(text);
      trust = inspected.trust;
      signature = inspected.claimedSigner
        ? `claims to be signed by ${inspected.claimedSigner} (signature NOT checked: give --signer)`
        : 'NOT SIGNED';
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
  const next = trust.file.nextSigner ? trustAdminKid(trust.file.nextSigner) : null;
  emit(
    { digest: trust.digest(), signedBy: trust.signedBy, checked: Boolean(opts.signer), ...trust.file },
    () => [
      `${file}: serial ${trust.file.serial ?? '-'}, ${signature}${next ? `, hands over to ${next}` : ''}`,
      ...table(
        ['PARTY', 'KEY', 'USE', 'STATUS'],
        trust.file.parties.flatMap((p) => [
          ...p.keys.map((k) => [p.code, k.kid, k.use, k.status]),
          ...p.officers.map((o) => [p.code, o.kid, `officer: ${o.name}`, o.status]),
        ]),
      ),
    ],
  );
}

async function install(file: string, opts: CommonOptions): Promise<void> {
  const res = await signedInClient(opts).put<{ digest: string; serial: number | null }>(
    '/api/v1/node/trust-list',
    {
      trustList: readText(file).trim(),
    },
  );
  emit(res, () => `Installed: serial ${res.serial ?? '-'}, digest ${res.digest.slice(0, 16)}…`);
}

function rotate(opts: { dataDir: string; party: string; json?: boolean }): void {
  if (!existsSync(join(opts.dataDir, 'keys')))
    throw new CliError(`${opts.dataDir} has no keys folder: is it a node's data folder?`);
  const { before, after } = rotateNodeKeys(join(opts.dataDir, 'keys'), opts.party);
  const entry = [
    {
      kid: before.signing.kid,
      use: 'sig',
      jwk: before.signing.publicJwk,
      status: 'retired',
      retiredAt: new Date().toISOString(),
    },
    { kid: before.encryption.kid, use: 'enc', jwk: before.encryption.publicJwk, status: 'retired' },
    {
      kid: before.witness.kid,
      use: 'wit',
      jwk: before.witness.publicJwk,
      status: 'retired',
      retiredAt: new Date().toISOString(),
    },
    ...trustListEntries(after),
  ];
  emit({ party: opts.party, keys: entry }, () =>
    [
      `New keys for ${opts.party}. Replace its "keys" in the trust list with these, raise "serial", sign it`,
      '(`comity trust sign`) and send the new entry to the other parties. The node starts again once it is in force:',
      JSON.stringify(entry, null, 2),
    ].join('\n'),
  );
}

export function registerTrust(program: Command): void {
  const trust = program.command('trust').description('the signed trust list (administrators)');
  trust
    .command('keygen')
    .description(
      'make an administrator key for signing trust lists; prints the trustListSigner for node configs',
    )
    .requiredOption('--out <file>', 'where to write the private key (PEM, mode 0600)')
    .option('--json', 'print JSON')
    .action(keygen);
  trust
    .command('sign <file>')
    .description('sign a trust list (JSON) with the administrator key; writes FILE.jws')
    .requiredOption('--key <file>', 'the administrator private key (PEM)')
    .option('--out <file>', 'where to write the signed list')
    .option(
      '--next-signer <key>',
      'hand signing over to this administrator key (its PEM file, or its public JWK): sets nextSigner',
    )
    .option('--json', 'print JSON')
    .action(signList);
  trust
    .command('show <file>')
    .description('show a trust list; with --signer, check its signature as a node would')
    .option(
      '--signer <key>',
      'the administrator key the signature must verify with (public JWK, or PEM file)',
    )
    .option('--json', 'print JSON')
    .action(show);
  withCommonOptions(
    trust
      .command('install <file>')
      .description('install a signed trust list on the node you are signed in to'),
  ).action(install);
  registerTrustOfficers(trust);
  const keys = program.command('keys').description("the node's own keys");
  keys
    .command('rotate')
    .description(
      'make new node keys (the old encryption key keeps opening messages sent to it); prints the new trust-list entry',
    )
    .requiredOption('--data-dir <dir>', "the node's data folder")
    .requiredOption('--party <code>', "the node's party")
    .option('--json', 'print JSON')
    .action(rotate);
}
