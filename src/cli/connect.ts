/**
 * Which node a command talks to and with which token. The node is `--url`, else COMITY_URL, else the node of
 * the stored session, else the demo's ARC node. The token is COMITY_TOKEN, else the stored session's, and the
 * stored token only ever goes to the node that issued it.
 */
import type { Command } from 'commander';
import { CliError } from './errors.ts';
import { ApiClient } from './http.ts';
import { readSession, type StoredSession } from './session.ts';

export const DEFAULT_URL = 'http://127.0.0.1:4101';

/** The options every API command takes. */
export interface CommonOptions {
  url?: string;
  json?: boolean;
}

export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', `node URL (default: $COMITY_URL, the signed-in node or ${DEFAULT_URL})`)
    .option('--json', 'print JSON instead of text');
}

/** `http://host:port/` and `http://host:port` are one node; anything but http(s) is refused. */
export function normalizeUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(`"${raw}" is not a URL (expected e.g. ${DEFAULT_URL})`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError(`"${raw}" is not an http(s) URL`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** The node named by --url or COMITY_URL, or undefined when neither is set. */
export function explicitUrl(opts: CommonOptions): string | undefined {
  const raw = opts.url || process.env.COMITY_URL;
  return raw ? normalizeUrl(raw) : undefined;
}

export function nodeUrl(opts: CommonOptions, session: StoredSession | null = readSession()): string {
  return explicitUrl(opts) ?? (session ? normalizeUrl(session.url) : DEFAULT_URL);
}

/** A client for a public route (no token). */
export function publicClient(opts: CommonOptions): ApiClient {
  return new ApiClient(nodeUrl(opts));
}

/** A client that sends the user's token, or a CliError saying how to get one. */
export function signedInClient(opts: CommonOptions): ApiClient {
  const session = readSession();
  const url = nodeUrl(opts, session);
  const loginHint = `sign in: comity login --url ${url} --email <you>`;
  const envToken = process.env.COMITY_TOKEN;
  if (envToken)
    return new ApiClient(url, {
      token: envToken,
      unauthenticatedHint: `COMITY_TOKEN was refused by ${url}; unset it or ${loginHint}`,
    });
  if (!session) throw new CliError(`not signed in to ${url}`, { hints: [loginHint] });
  if (normalizeUrl(session.url) !== url)
    throw new CliError(
      `the stored session is for ${normalizeUrl(session.url)}, not ${url}; its token is not sent to another node`,
      {
        hints: [loginHint],
      },
    );
  return new ApiClient(url, {
    token: session.token,
    unauthenticatedHint: `the stored session was refused (expired or revoked); ${loginHint}`,
  });
}
