/**
 * `comity trust officers FILE`: brings the officers of this node's party in a trust list (the administrator's
 * unsigned JSON) in line with the node's accounts. Every officer and 24/7 contact account holds a key that vouches
 * for its emergency requests; peers accept such a request only when the key is an active officer key of the
 * list in force. The command adds the keys of enabled accounts, retires those of disabled accounts (a retired key
 * vouches for nothing; it becomes active again if the account is enabled again) and follows a change of name. It
 * never touches a revoked key: revocation is final. The administrator then signs and installs the list as usual.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TrustListSchema } from '../../exchange/trust-list.ts';
import type { Account, Items } from '../api-types.ts';
import { type CommonOptions, signedInClient, withCommonOptions } from '../connect.ts';
import { CliError } from '../errors.ts';
import { readJsonFile } from '../files.ts';
import { emit, table } from '../output.ts';

type Status = 'active' | 'retired' | 'revoked';
export type OfficerChange = 'add' | 'retire' | 'reactivate' | 'rename';

interface OfficerEntry {
  kid: string;
  name: string;
  jwk: unknown;
  status?: Status;
}

export interface OfficerRow {
  kid: string;
  name: string;
  /** The account's e-mail, or null for a key in the file that no account of the node holds. */
  account: string | null;
  disabled: boolean;
  /** The key's status in the file, or null when the file does not list it. */
  inFile: Status | null;
  inForce: boolean;
  change: OfficerChange | null;
}

/**
 * What the officers of `party` in a trust list should become for these accounts: a row per key (accounts' keys
 * first, then keys of the file no account holds) and the new officers array. Pure; the caller writes the file.
 */
export function reconcileOfficers(
  officers: readonly OfficerEntry[],
  accounts: readonly Account[],
): { rows: OfficerRow[]; officers: OfficerEntry[] } {
  const next = officers.map((o) => ({ ...o }));
  const rows: OfficerRow[] = [];
  const held = new Set<string>();
  for (const a of accounts) {
    const key = a.officerKey;
    if (!key) continue;
    held.add(key.kid);
    const entry = next.find((o) => o.kid === key.kid);
    const status = entry ? (entry.status ?? 'active') : null;
    let change: OfficerChange | null = null;
    if (!entry) {
      if (!a.disabled) {
        change = 'add';
        next.push({ kid: key.kid, name: a.name, jwk: key.jwk, status: 'active' });
      }
    } else if (status === 'revoked') {
      // Final: the account needs a new key, not this one back.
    } else if (a.disabled) {
      if (status === 'active') {
        change = 'retire';
        entry.status = 'retired';
      }
    } else if (status === 'retired') {
      change = 'reactivate';
      entry.status = 'active';
      entry.name = a.name;
    } else if (entry.name !== a.name) {
      change = 'rename';
      entry.name = a.name;
    }
    rows.push({
      kid: key.kid,
      name: a.name,
      account: a.email,
      disabled: a.disabled,
      inFile: status,
      inForce: key.inTrustList,
      change,
    });
  }
  for (const o of officers)
    if (!held.has(o.kid))
      rows.push({
        kid: o.kid,
        name: o.name,
        account: null,
        disabled: false,
        inFile: o.status ?? 'active',
        inForce: false,
        change: null,
      });
  return { rows, officers: next };
}

const DONE: Record<OfficerChange, string> = {
  add: 'added',
  retire: 'retired',
  reactivate: 'made active again',
  rename: 'renamed',
};
const TO_DO: Record<OfficerChange, string> = {
  add: 'to add',
  retire: 'to retire',
  reactivate: 'to make active again',
  rename: 'to rename',
};

async function officers(file: string, opts: CommonOptions & { update?: boolean }): Promise<void> {
  if (/\.jws$/i.test(file))
    throw new CliError(`${file} is a signed list: give the JSON file it was signed from`);
  const raw = readJsonFile(file);
  const parsed = TrustListSchema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const { items } = await signedInClient(opts).get<Items<Account>>('/api/v1/users');
  const party = items[0]?.party;
  if (!party) throw new CliError('the node has no accounts');
  const index = parsed.data.parties.findIndex((p) => p.code === party);
  if (index < 0) throw new CliError(`${file} has no entry for ${party}, the party of this node`);
  // The administrator's own file is edited, not its parsed form: what they wrote stays as they wrote it.
  const list = raw as { serial?: number; parties: { officers?: OfficerEntry[] }[] };
  const entry = list.parties[index]!;
  const { rows, officers: after } = reconcileOfficers(entry.officers ?? [], items);
  const changed = rows.filter((r) => r.change);
  let serial = parsed.data.serial ?? null;
  if (opts.update && changed.length > 0) {
    entry.officers = after;
    serial = (serial ?? 0) + 1;
    list.serial = serial;
    writeFileSync(file, `${JSON.stringify(list, null, 2)}\n`);
  }
  const counts = (words: Record<OfficerChange, string>) =>
    (Object.keys(words) as OfficerChange[])
      .map((c) => [c, changed.filter((r) => r.change === c).length] as const)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${n} ${words[c]}`)
      .join(', ');
  const summary =
    changed.length === 0
      ? `${file} lists the officer keys of ${party}'s accounts as they should be; nothing to change.`
      : opts.update
        ? `Wrote ${file}: ${counts(DONE)}; serial ${serial}. Sign it (comity trust sign ${file} --key …) and install it (comity trust install …).`
        : `${file}: ${counts(TO_DO)} (nothing written: give --update).`;
  emit({ file, party, serial, written: Boolean(opts.update && changed.length > 0), officers: rows }, () => [
    summary,
    ...table(
      ['KEY', 'NAME', 'ACCOUNT', 'IN FILE', 'IN FORCE', 'CHANGE'],
      rows.map((r) => [
        r.kid,
        r.name,
        r.account === null ? '(no account here)' : `${r.account}${r.disabled ? ' (disabled)' : ''}`,
        r.inFile ?? '-',
        r.inForce ? 'yes' : 'no',
        r.change ?? '-',
      ]),
    ),
  ]);
}

export function registerTrustOfficers(trust: Command): void {
  withCommonOptions(
    trust
      .command('officers <file>')
      .description(
        "compare the officers of this node's party in a trust list (JSON) with the node's accounts; --update writes the changes",
      )
      .option('--update', 'add, retire, reactivate or rename officer keys in FILE and raise its serial'),
  ).action(officers);
}
