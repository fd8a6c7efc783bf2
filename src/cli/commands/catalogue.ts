/** `comity parties`, `comity offences`, `comity request-types`: the registry and the treaty catalogue. */
import type { Command } from 'commander';
import type { Items, Party } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { emit, table } from '../output.ts';

interface PartiesOptions extends CommonOptions {
  federation?: boolean;
}

async function parties(opts: PartiesOptions): Promise<void> {
  const res = await signedInClient(opts).get<Items<Party>>('/api/v1/parties', {
    federation: opts.federation,
  });
  emit(res, () =>
    table(
      ['CODE', 'NAME', 'UNCC', 'BUDAPEST', 'NODE'],
      res.items.map((p) => [
        p.code,
        p.name,
        p.instruments.UNCC ?? '-',
        p.instruments.BUDAPEST ?? '-',
        p.node?.url ?? '-',
      ]),
    ),
  );
}

interface OffenceItem {
  code: string;
  title: string;
  category: string;
  articles: Record<string, string>;
}

async function offences(opts: CommonOptions): Promise<void> {
  const res = await signedInClient(opts).get<Items<OffenceItem>>('/api/v1/offences');
  const articles = (a: Record<string, string>) =>
    Object.entries(a)
      .map(([instrument, article]) => `${instrument} ${article}`)
      .join(', ') || '-';
  emit(res, () =>
    table(
      ['CODE', 'ARTICLE(S)', 'CATEGORY', 'TITLE'],
      res.items.map((o) => [o.code, articles(o.articles ?? {}), o.category, o.title]),
    ),
  );
}

interface RequestTypeItem {
  type: string;
  title: string;
  channel: string;
  coercive: boolean;
  requires: string[];
}

async function requestTypes(opts: CommonOptions): Promise<void> {
  const res = await signedInClient(opts).get<Items<RequestTypeItem>>('/api/v1/request-types');
  emit(res, () =>
    table(
      ['TYPE', 'CHANNEL', 'COERCIVE', 'TITLE', 'REQUIRES'],
      res.items.map((t) => [t.type, t.channel, t.coercive ? 'yes' : 'no', t.title, t.requires.join(',')]),
    ),
  );
}

export function registerCatalogue(program: Command): void {
  withCommonOptions(
    program
      .command('parties')
      .description('the registry of parties')
      .option('--federation', 'only parties with a node'),
  ).action(parties);
  withCommonOptions(program.command('offences').description('the offence catalogue')).action(offences);
  withCommonOptions(
    program.command('request-types').description('request types, their channel and required fields'),
  ).action(requestTypes);
}
