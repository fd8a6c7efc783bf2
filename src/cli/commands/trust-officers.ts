/**
 * `comity trust officers FILE`: brings the officers of this node's party in a trust list (the administrator's
 * unsigned JSON) in line with the node's accounts. Every officer and 24/7 contact account holds a key that vouches
 * for its emergency requests; peers accept such a request only when the key is an active officer key of the
 * list in force. The command adds the keys of enabled officers and 24/7 contacts, retires those of accounts that
 * are disabled or no longer in such a role (a retired key vouches for nothing; it becomes active again if the
 * account is again), and follows a change of name. It never touches a revoked key (revocation is final) nor a key
 * no account holds: it names both for the administrator. The administrator then signs and installs the list as usual.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TrustListSchema } from '../../crypto/trust-list-schema.ts';
import { issuesLine } from '../../domain/errors.ts';
import { vouches } from '../../domain/roles.ts';
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
  /** Why the account may not vouch (disabled, or no longer an officer or 24/7 contact), or null. */
  barred: 'disabled' | 'not an officer' | null;
  /** The key's status in the file, or null when the file does not list it. */
  inFile: Status | null;
  /** The key's status in the list in force on the node, or null when that list does not hold it. */
  inForce: Status | null;
  change: OfficerChange | null;
}

/**
 * What the officers of a party in a trust list should become for these accounts: a row per key (accounts' keys
 * first, then keys of the file no account holds) and the new officers array. `inForce` is the status of each
 * officer key of the party in the list in force. Pure; the caller writes the file.
 */
export function reconcileOfficers(
  officers: readonly OfficerEntry[],
  accounts: readonly Account[],
  inForce: ReadonlyMap<string, Status> = new Map(),
): { rows: OfficerRow[]; officers: OfficerEntry[] } {
  const next = officers.map((o) => ({ ...o }));
  const rows: OfficerRow[] = [];
  const held = new Set<string>();
  for (const a of accounts) {
    const key = a.officerKey;
    if (!key) continue;
    held.add(key.kid);
    const barred = a.disabled ? 'disabled' : vouches(a.roles) ? null : 'not an officer';
    const entry = next.find((o) => o.kid === key.kid);
    const status = entry ? (entry.status ?? 'active') : null;
    let change: OfficerChange | null = null;
    if (!entry) {
      if (!barred) {
        change = 'add';
        next.push({ kid: key.kid, name: a.name, jwk: key.jwk, status: 'active' });
      }
    } else if (status === 'revoked') {
      // Final: the account needs a new key, not this one back.
    } else if (barred) {
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
      barred,
      inFile: status,
      inForce: inForce.get(key.kid) ?? null,
      change,
    });
  }
  for (const o of officers)
    if (!held.has(o.kid))
      rows.push({
        kid: o.kid,
        name: o.name,
        account: null,
        barred: null,
        inFile: o.status ?? 'active',
        inForce: inForce.get(o.kid) ?? null,
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

/** What the node reports of its list in force (GET /api/v1/node/trust-list), as far as this command reads it. */
interface InForce {
  serial: number | null;
  parties: { code: string; officers: { kid: string; status: Status }[] }[];
}

/** Lines that need the administrator's judgement: nothing the command may decide alone. */
export function warnings(rows: readonly OfficerRow[]): string[] {
  const out: string[] = [];
  const revoked = rows.filter((r) => r.account && !r.barred && r.inFile === 'revoked');
  if (revoked.length)
    out.push(
      `note: ${revoked.map((r) => r.account).join(', ')} hold${revoked.length === 1 ? 's' : ''} a revoked key and cannot vouch for emergency requests.`,
    );
  const orphans = rows.filter((r) => !r.account && r.inFile === 'active');
  if (orphans.length)
    out.push(
      `note: ${orphans.map((r) => r.kid).join(', ')} ${orphans.length === 1 ? 'is an active key' : 'are active keys'} of no account of this node; retire or revoke by hand (the holder has gone, or the account has a new key).`,
    );
  return out;
}

async function officers(file: string, opts: CommonOptions & { update?: boolean }): Promise<void> {
  if (/\.jws$/i.test(file))
    throw new CliError(`${file} is a signed list: give the JSON file it was signed from`);
  const raw = readJsonFile(file);
  const parsed = TrustListSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`${file}: ${issuesLine(parsed.error.issues, 'the list')}`);
  const client = signedInClient(opts);
  const [{ items }, force] = await Promise.all([
    client.get<Items<Account>>('/api/v1/users'),
    client.get<InForce>('/api/v1/node/trust-list'),
  ]);
  const party = items[0]?.party;
  if (!party) throw new CliError('the node has no accounts');
  const index = parsed.data.parties.findIndex((p) => p.code === party);
  if (index < 0) throw new CliError(`${file} has no entry for ${party}, the party of this node`);
  const inForce = new Map(
    (force.parties.find((p) => p.code === party)?.officers ?? []).map((o) => [o.kid, o.status] as const),
  );
  // The administrator's own object is edited, not its parsed form: no defaults are added (it is written back
  // with two-space indentation).
  const list = raw as { serial?: number; parties: { officers?: OfficerEntry[] }[] };
  const entry = list.parties[index]!;
  const { rows, officers: after } = reconcileOfficers(entry.officers ?? [], items, inForce);
  const changed = rows.filter((r) => r.change);
  let serial = parsed.data.serial ?? null;
  const write = Boolean(opts.update && changed.length > 0);
  if (write) {
    entry.officers = after;
    // Above both the file's and the one in force: the node refuses a list whose serial goes back.
    serial = Math.max(serial ?? 0, force.serial ?? 0) + 1;
    list.serial = serial;
    try {
      writeFileSync(file, `${JSON.stringify(list, null, 2)}\n`);
    } catch (e) {
      throw new CliError(
        `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
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
      : write
        ? `Wrote ${file}: ${counts(DONE)}; serial ${serial}. Sign it (comity trust sign ${file} --key …) and install it (comity trust install …).`
        : `${file}: ${counts(TO_DO)} (nothing written: give --update).`;
  emit({ file, party, serial, written: write, officers: rows }, () => [
    summary,
    ...table(
      ['KEY', 'NAME', 'ACCOUNT', 'IN FILE', 'IN FORCE', 'CHANGE'],
      rows.map((r) => [
        r.kid,
        r.name,
        r.account === null ? '(no account here)' : `${r.account}${r.barred ? ` (${r.barred})` : ''}`,
        r.inFile ?? '-',
        r.inForce ?? '-',
        r.change ?? '-',
      ]),
    ),
    ...warnings(rows),
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
