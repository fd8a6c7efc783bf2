/** `comity login` and `comity logout`. */
import type { Command } from 'commander';
import type { User } from '../api-types.ts';
import { type CommonOptions, nodeUrl, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { ApiClient } from '../http.ts';
import { emit } from '../output.ts';
import { promptHidden } from '../prompt.ts';
import { deleteSession, readSession, writeSession } from '../session.ts';

interface LoginOptions extends CommonOptions {
  email: string;
  password?: string;
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
  const res = await new ApiClient(url).post<{ token: string; expiresAt: string; user: User }>(
    '/api/v1/auth/login',
    {
      email: opts.email,
      password,
    },
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
    process.stderr.write(`warning: the token could not be revoked: ${(e as Error).message}\n`);
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
      .option('--password <password>', 'password (else $COMITY_PASSWORD, else asked for)'),
  ).action(login);
  withCommonOptions(
    program.command('logout').description('revoke the stored token and delete the session'),
  ).action(logout);
}
