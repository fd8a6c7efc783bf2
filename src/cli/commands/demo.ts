/** `comity demo`: the three-node demo federation in one process, with a banner that says how to use it. */
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { emit } from '../output.ts';
import { portInUse, requireFreePorts, stopOnSignal } from '../signals.ts';
import { bannerLines, type DemoInfo } from './demo-banner.ts';
import { port } from './parse.ts';

interface DemoCliOptions {
  dir?: string;
  basePort?: number;
  seed: boolean;
  json?: boolean;
}

const HOST = '127.0.0.1';

async function demo(opts: DemoCliOptions): Promise<void> {
  // Loaded here, not at the top: the server stack would slow every other command down.
  const { DEMO_ACCOUNTS, DEMO_PARTIES, demoEmail, startDemo } = await import('../../node/demo.ts');
  const envPort = process.env.COMITY_DEMO_BASE_PORT;
  const basePort = opts.basePort ?? (envPort ? Number(envPort) : 4100);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65_530)
    throw new CliError(`COMITY_DEMO_BASE_PORT=${envPort} is not a port number`);
  const suggestion = `the demo uses ports ${basePort + 1}-${basePort + 3}; choose others with COMITY_DEMO_BASE_PORT=${basePort + 100} (or --base-port ${basePort + 100})`;
  await requireFreePorts(
    HOST,
    DEMO_PARTIES.map((p) => basePort + p.offset),
    suggestion,
  );

  const started = stopOnSignal('the demo federation');
  let running: Awaited<ReturnType<typeof startDemo>>;
  try {
    running = await startDemo({
      host: HOST,
      basePort,
      seed: opts.seed,
      ...(opts.dir ? { dir: opts.dir } : {}),
    });
  } catch (e) {
    const taken = portInUse(e);
    if (taken !== null) throw new CliError(`port ${taken} is already in use`, { hints: [suggestion] });
    throw new CliError(`the demo did not start: ${(e as Error).message}`);
  }
  if (started(() => running.close())) return;

  const info: DemoInfo = {
    nodes: DEMO_PARTIES.map((p) => ({
      party: p.code,
      name: p.name,
      url: running.nodes[p.code]!.url,
      docs: `${running.nodes[p.code]!.url}/docs`,
    })),
    users: DEMO_ACCOUNTS.map((a) => ({ email: demoEmail(a.local, 'ARC'), title: a.title, roles: a.roles })),
    password: running.password,
    dir: running.dir,
    seeded: running.seeded ? 'now' : opts.seed ? 'earlier' : 'off',
  };
  emit(info, () => bannerLines(info));
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the demo federation: Arcadia, Borealis and Caldera on three local ports')
    .option('--dir <dir>', 'folder for the demo data (default ./.comity)')
    .option('--base-port <n>', 'nodes listen on n+1, n+2, n+3 (default $COMITY_DEMO_BASE_PORT or 4100)', port)
    .option('--no-seed', 'do not create the demo cases')
    .option('--json', 'print the banner as JSON')
    .action(demo);
}
