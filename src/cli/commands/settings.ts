/** `comity settings history`: every recorded change of the node's profile and policy, newest first. */
import type { Command } from 'commander';
import type { Items, SettingsChange } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { utc } from '../format.ts';
import { emit, table } from '../output.ts';
import { positiveInt } from './parse.ts';

interface HistoryOptions extends CommonOptions {
  limit?: number;
}

/** The node's largest page (src/api/routes/settings.ts). */
const MAX_LIMIT = 1000;

async function history(opts: HistoryOptions): Promise<void> {
  const res = await signedInClient(opts).get<Items<SettingsChange>>('/api/v1/node/settings/history', {
    limit: opts.limit,
  });
  emit(res, () =>
    res.items.length
      ? table(
          ['TIME', 'SETTING', 'BY', 'NOTE'],
          res.items.map((c) => [utc(c.at), c.key, c.user.name, c.note?.replace(/\s+/g, ' ') || '-']),
        )
      : 'No changes recorded.',
  );
}

function limit(value: string): number {
  return Math.min(positiveInt(value), MAX_LIMIT);
}

export function registerSettings(program: Command): void {
  const settings = program.command('settings').description("the record of the node's settings");
  withCommonOptions(
    settings
      .command('history')
      .description('who changed the profile or policy, when and why (administrators and oversight)')
      .option(
        '--limit <n>',
        `at most this many changes, newest first (default 100, at most ${MAX_LIMIT})`,
        limit,
      ),
  ).action(history);
}
