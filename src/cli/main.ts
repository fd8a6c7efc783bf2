/**
 * The `comity` command (bin/comity.mjs). Exit codes: 0 success, 1 error, 2 usage error. Expected errors are
 * one readable line on stderr (output.ts); commander prints its own usage errors.
 */
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { registerAuth } from './commands/auth.ts';
import { registerCases } from './commands/cases.ts';
import { registerCatalogue } from './commands/catalogue.ts';
import { registerDemo } from './commands/demo.ts';
import { registerEvidence } from './commands/evidence.ts';
import { registerHealth } from './commands/health.ts';
import { registerLedger } from './commands/ledger.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerPreflight } from './commands/preflight.ts';
import { registerProfile } from './commands/profile.ts';
import { registerScreen } from './commands/screen.ts';
import { registerServe } from './commands/serve.ts';
import { registerSettings } from './commands/settings.ts';
import { registerTrust } from './commands/trust.ts';
import { reportError, setJsonMode } from './output.ts';

const USAGE_ERROR = 2;

export function buildProgram(): Command {
  const program = new Command('comity')
    .description('Comity: signed, screened, accountable requests between states’ nodes')
    .version(pkg.version)
    // Set before the subcommands are added, which inherit it: usage errors must throw, not exit with 1.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .hook('preAction', (_program, action) => setJsonMode(Boolean(action.opts().json)));
  registerAuth(program);
  registerCases(program);
  registerCatalogue(program);
  registerScreen(program);
  registerPreflight(program);
  registerProfile(program);
  registerPolicy(program);
  registerSettings(program);
  registerHealth(program);
  registerLedger(program);
  registerEvidence(program);
  registerTrust(program);
  registerServe(program);
  registerDemo(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : USAGE_ERROR;
    reportError(e);
    return 1;
  }
}

// `comity screen FILE | head`: a reader that stops early is not an error, and must not print a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const code = await run(process.argv);
// serve and demo keep running until a signal; everything else is done and sets its exit code. A command that
// reported a failed check itself (e.g. `evidence verify`) has set process.exitCode already: keep it.
process.exitCode = code === 0 ? (process.exitCode ?? 0) : code;
