/** The configuration of one node (`comity serve --config FILE`): a JSON file, validated at start. */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { AdminKeySchema } from '../crypto/trust-list-schema.ts';
import { REQUEST_TYPES } from '../domain/catalogue.ts';
import { issuesLine } from '../domain/errors.ts';
import { parseVerifierKey } from '../ledger/note.ts';

const PROXY_ADDRESS_HINT =
  'an IP address, a CIDR range (10.0.0.0/8, not /0) or one of loopback, linklocal, uniquelocal';

function isCosignatureKey(vkey: string): boolean {
  try {
    return parseVerifierKey(vkey).type === 'cosignature/v1';
  } catch {
    return false;
  }
}

/** What `trustProxy` accepts: what the proxy-addr module underneath Fastify understands. */
function isProxyAddress(value: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address, bits, ...rest] = value.split('/');
  const version = isIP(address ?? '');
  if (!version || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  // A /0 range would believe any client's X-Forwarded-For: every address could then forge its own.
  return /^\d{1,3}$/.test(bits) && n >= 1 && n <= (version === 4 ? 32 : 128);
}

export const NodeConfigSchema = z
  .object({
    party: z.string().regex(/^[A-Z]{3}$/),
    listen: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) })
      .strict(),
    /** Folder for the node's keys and, without `databaseUrl`, its embedded database. */
    dataDir: z.string(),
    /**
     * PostgreSQL URL; when absent the embedded PGlite database in `<dataDir>/db` is used. `memory://` keeps the
     * embedded database in memory only: nothing survives a stop (long test runs such as `npm run fuzz`).
     */
    databaseUrl: z.string().optional(),
    trustList: z.string(),
    /**
     * The public key (Ed25519 JWK) of the administrator who signs the trust list (`comity trust keygen`). The
     * node accepts only a trust list signed with it (`comity trust sign`), or with the key it has handed over to
     * since (`nextSigner` in a list it signed). Required: without it any administrator account could install an
     * unsigned list.
     */
    trustListSigner: AdminKeySchema.optional(),
    /**
     * The reverse proxies (addresses or CIDR ranges) that terminate TLS in front of the node. Only from these
     * does the node believe X-Forwarded-Proto (so that session cookies are Secure behind HTTPS) and
     * X-Forwarded-For (so that rate limits, lockouts and the ledger see the client's address, not the proxy's).
     */
    trustProxy: z.array(z.string().refine(isProxyAddress, PROXY_ADDRESS_HINT)).min(1).optional(),
    /**
     * The ledger's origin: the first line of its checkpoints and the name of its note key. The trust list fixes
     * it (`origin`, default `comity/<party>`); when given here, it must be the same.
     */
    ledgerOrigin: z
      .string()
      .regex(/^[^\s+]+$/)
      .optional(),
    /**
     * Who witnesses this node's log (C2SP tlog-witness). The peers of the trust list always do; `external` adds
     * witnesses outside the federation, each with its submission prefix and its verifier key (tlog-cosignature
     * v1, type 0x04, as such witnesses publish it). A checkpoint is published as witnessed once `quorum` of them
     * have cosigned it (default 1).
     */
    witnesses: z
      .object({
        quorum: z.number().int().min(0).default(1),
        external: z
          .array(
            z
              .object({
                url: z.url(),
                key: z
                  .string()
                  .refine(isCosignatureKey, 'a tlog-cosignature v1 verifier key (name+hash+key, type 0x04)'),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Where logs go: a file path, or omitted for standard output. */
    logFile: z.string().optional(),
    settings: z
      .object({
        tokenTtlMinutes: z.number().positive(),
        sessionTtlMinutes: z.number().positive(),
        sessionIdleMinutes: z.number().positive(),
        rateLimitPerMinute: z.number().int().min(0),
        loginRateLimitPerMinute: z.number().int().min(0),
        lockoutThreshold: z.number().int().positive(),
        lockoutMinutes: z.number().positive(),
        messageTtlHours: z.number().positive(),
        maxRetryDelayMs: z.number().int().positive(),
        pollIntervalMs: z.number().int().positive(),
        clockSkewSeconds: z.number().int().min(0),
        checkpointIntervalMs: z.number().int().positive(),
        witnessIntervalMs: z.number().int().positive(),
        retentionIntervalMs: z.number().int().positive(),
        refusalRetentionDays: z.number().positive(),
        transferBytesPerSecond: z.number().int().min(0),
        transferMaxAttempts: z.number().int().positive(),
        contactDecides: z.array(z.enum(REQUEST_TYPES)).readonly(),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict();
export type NodeConfig = z.infer<typeof NodeConfigSchema>;

/** Reads a config file; relative paths in it are relative to the file. `DATABASE_URL` overrides `databaseUrl`. */
export function readNodeConfig(path: string, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read config ${path}: ${(e as Error).message}`);
  }
  const parsed = NodeConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid config ${path}: ${issuesLine(parsed.error.issues)}`);
  const base = dirname(resolve(path));
  const config = parsed.data;
  return {
    ...config,
    dataDir: resolve(base, config.dataDir),
    trustList: resolve(base, config.trustList),
    ...(config.logFile ? { logFile: resolve(base, config.logFile) } : {}),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  };
}
