/**
 * `comity ledger verify`: downloads a node's whole public ledger (no sign-in) and holds it to the node's published
 * checkpoint: the key (given, or remembered from the first run), the checkpoint's signature, the cosignatures of
 * the witnesses named (C2SP tlog-cosignature, a quorum of them), every entry's shape, the rebuilt root, and that
 * the log only grew since the last run here (no rollback, no rewritten history).
 * Exit 1 on any failure, with one `error: …` line, or with --json the report with `ok: false`.
 */
import type { Command } from 'commander';
import { withCommonOptions } from '../connect.ts';
import { CliError, type Problem } from '../errors.ts';
import { emit } from '../output.ts';
import { type Report, type VerifyOptions, verifyLog } from './ledger-verify.ts';

async function verify(opts: VerifyOptions): Promise<void> {
  const report: Report = {
    ok: false,
    origin: null,
    size: null,
    rootHash: null,
    previousSize: null,
    cosignatures: null,
    witnesses: [],
    quorum: null,
  };
  let line: string;
  try {
    line = await verifyLog(opts, report);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    // With --json, the error output (src/cli/output.ts) is this command's own report, with ok: false.
    const failed = { ...report, ok: false, error: e.message };
    throw new CliError(e.message, { problem: failed as unknown as Problem });
  }
  emit(report, () => line);
}

export function registerLedger(program: Command): void {
  const ledger = program.command('ledger').description("a node's public ledger");
  withCommonOptions(
    ledger
      .command('verify')
      .description(
        "download a node's whole ledger (no sign-in) and check it against the signed checkpoint, and that it " +
          'only grew since the last run here',
      )
      .option(
        '--key <vkey>',
        'the verifier key the node must have (default: the one remembered from the last run)',
      )
      .option(
        '--state <file>',
        'where the last verified size and root are kept (default: <config dir>/ledger/<host>_<port>.json)',
      )
      .option(
        '--witness <vkey|url>',
        "a witness whose cosignature counts: its tlog-cosignature verifier key, or a node's URL to read it from (repeat for several; default: those remembered)",
        (value: string, all: string[] = []) => [...all, value],
      )
      .option(
        '--quorum <n>',
        'how many of the witnesses must have cosigned (default 1 when witnesses are named)',
      )
      .option(
        '--trust-list <file>',
        "take the node's log key and origin, and the other parties' witness keys, from this trust list",
      )
      .option(
        '--admin-key <key>',
        "check the --trust-list's signature with this administrator key (JWK, or a file holding it, or its PEM)",
      ),
  ).action(verify);
}
