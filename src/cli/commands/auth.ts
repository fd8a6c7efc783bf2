/** `comity login` and `comity logout`. */
import type { Command } from 'commander';
import type { User } from '../api-types.ts';
import { type CommonOptions, nodeUrl, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { ApiClient } from '../http.ts';
import { emit, warn } from '../output.ts';
import { promptHidden } from '../prompt.ts';
import { deleteSession, readSession, writeSession } from '../session.ts';

interface LoginOptions extends CommonOptions {
  email: string;
  password?: string;
  code?: string;
  recoveryCode?: string;
}

interface SessionAnswer {
  stage: 'full' | 'mfa' | 'enrol';
  token: string;
  expiresAt: string;
  user: User;
  methods?: string[];
}

/** The second factor of a sign-in: --code (authenticator app), --recovery-code, else asked for. */
async function secondFactor(url: string, opts: LoginOptions, pending: SessionAnswer): Promise<SessionAnswer> {
  const client = new ApiClient(url, { token: pending.token });
  if (opts.recoveryCode !== undefined)
    return client.post<SessionAnswer>('/api/v1/auth/verify/recovery-code', { code: opts.recoveryCode });
  if (!pending.methods?.includes('totp'))
    throw new CliError(
      'this account signs in with a passkey, which needs the web application; or give --recovery-code',
    );
  const code =
    opts.code ??
    process.env.COMITY_TOTP_CODE ??
    (process.stdin.isTTY ? await promptHidden('Code from your authenticator app: ') : undefined);
  if (code === undefined)
    throw new CliError(
      'this account needs a second factor: give --code (or --recovery-code), or run in a terminal',
    );
  return client.post<SessionAnswer>('/api/v1/auth/verify/totp', { code });
}

async function passwordFor(opts: LoginOptions): Promise<string> {
  if (opts.password !== undefined) return opts.password;
  if (process.env.COMITY_PASSWORD !== undefined) return process.env.COMITY_PASSWORD;
  if (process.stdin.isTTY) return promptHidden(`Password for ${opts.email}: `);
  throw new CliError('no password: give --password, set COMITY_PASSWORD, or run in a terminal to be asked');
}

export function describeUser(u: User): string {
  return `${u.name} <${u.email}> (${u.party}, ${u.roles.join(', ')})`;
}

async function login(opts: LoginOptions): Promise<void> {
  // A new login never reuses the old session's node unless told to: --url, COMITY_URL, else the default.
  const url = nodeUrl(opts, null);
  const password = await passwordFor(opts);
  let res = await new ApiClient(url).post<SessionAnswer>('/api/v1/auth/login', {
    email: opts.email,
    password,
  });
  if (res.stage === 'mfa') res = await secondFactor(url, opts, res);
  if (res.stage === 'enrol')
    throw new CliError(
      `this account has no second factor yet: sign in once at ${url} in a browser to enrol one (authenticator app or passkey)`,
    );
  const path = writeSession({ url, token: res.token, expiresAt: res.expiresAt, user: res.user });
  // The token stays in the session file; printing it would put it in terminal scrollback and CI logs.
  emit(
    { url, expiresAt: res.expiresAt, user: res.user, session: path },
    () => `Signed in to ${url} as ${describeUser(res.user)}`,
  );
}

async function logout(): Promise<void> {
  const session = readSession();
  if (!session) return emit({ signedOut: false }, () => 'Not signed in.');
  let revoked = true;
  try {
    // Revoke at the node that issued the token, whatever --url says.
    await new ApiClient(session.url, { token: session.token }).post('/api/v1/auth/logout');
  } catch (e) {
    revoked = false;
    warn(`the token could not be revoked: ${(e as Error).message}`);
  }
  deleteSession();
  emit(
    { signedOut: true, url: session.url, revoked },
    () => `Signed out of ${session.url}${revoked ? '' : ' (local session deleted)'}.`,
  );
}

export function registerAuth(program: Command): void {
  withCommonOptions(
    program
      .command('login')
      .description('sign in and keep the session (owner-only) in $COMITY_CONFIG_DIR or ~/.config/comity')
      .requiredOption('--email <email>', 'your e-mail address')
      .option('--password <password>', 'password (else $COMITY_PASSWORD, else asked for)')
      .option('--code <code>', 'code from the authenticator app (else $COMITY_TOTP_CODE, else asked for)')
      .option('--recovery-code <code>', 'a one-time recovery code instead of the second factor'),
  ).action(login);
  withCommonOptions(
    program.command('logout').description('revoke the stored token and delete the session'),
  ).action(logout);
}
