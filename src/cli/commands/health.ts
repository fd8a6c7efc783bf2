/** `comity health`: whether a node answers, and which party it is. No sign-in needed. */
import type { Command } from 'commander';
import { type CommonOptions, publicClient, withCommonOptions } from '../connect.ts';
import { emit } from '../output.ts';

interface Health {
  status: string;
  party: string;
  name: string;
  version: string;
}

async function health(opts: CommonOptions): Promise<void> {
  const api = publicClient(opts);
  const h = await api.get<Health>('/api/v1/health');
  emit({ url: api.url, ...h }, () => `${api.url}: ${h.status}, ${h.party} ${h.name}, version ${h.version}`);
}

export function registerHealth(program: Command): void {
  withCommonOptions(program.command('health').description('check that a node is up (no sign-in)')).action(
    health,
  );
}
