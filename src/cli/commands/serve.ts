/** `comity serve --config FILE`: runs one node until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { emit } from '../output.ts';
import { portInUse, requireFreePorts, stopOnSignal } from '../signals.ts';

interface ServeOptions {
  config: string;
  json?: boolean;
}

async function serve(opts: ServeOptions): Promise<void> {
  // Loaded here, not at the top: the server stack (Fastify, PGlite) would slow every other command down.
  const { readNodeConfig } = await import('../../node/config.ts');
  const { startNode } = await import('../../node/node.ts');
  let config: ReturnType<typeof readNodeConfig>;
  try {
    config = readNodeConfig(opts.config);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const hint = `free port ${config.listen.port} or set another listen.port in ${opts.config}`;
  await requireFreePorts(config.listen.host, [config.listen.port], hint);
  const started = stopOnSignal(`node ${config.party}`);
  let node: Awaited<ReturnType<typeof startNode>>;
  try {
    node = await startNode(config);
  } catch (e) {
    const port = portInUse(e);
    if (port !== null) throw new CliError(`port ${port} is already in use`, { hints: [hint] });
    throw new CliError(`the node did not start: ${(e as Error).message}`);
  }
  if (started(() => node.close())) return;
  emit({ party: config.party, url: node.url }, () => `Comity node ${config.party} listening on ${node.url}`);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run one node')
    .requiredOption('--config <file>', 'the node configuration (JSON)')
    .option('--json', 'print the start line as JSON')
    .action(serve);
}
