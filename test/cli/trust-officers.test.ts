/** What `comity trust officers` does to a party's officers in a trust list, given the node's accounts. */
import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/cli/api-types.ts';
import { reconcileOfficers, warnings } from '../../src/cli/commands/trust-officers.ts';

const jwk = (x: string) => ({ kty: 'OKP', crv: 'Ed25519', x });

function account(n: number, over: Partial<Account> = {}): Account {
  return {
    id: `01J0000000000000000000000${n}`,
    email: `person${n}@arc.example`,
    name: `Person ${n}`,
    party: 'ARC',
    roles: ['officer'],
    disabled: false,
    demo: false,
    secondFactor: true,
    officerKey: { kid: `ARC:officer:${n}`, jwk: jwk(`x${n}`), inTrustList: false },
    createdAt: '2026-11-28T10:00:00.000Z',
    ...over,
  };
}

describe('reconcileOfficers', () => {
  it("adds the key of an enabled account the list lacks, with the account's name, and leaves the input alone", () => {
    const before = [{ kid: 'ARC:officer:1', name: 'Person 1', jwk: jwk('x1'), status: 'active' as const }];
    const inForce = new Map([['ARC:officer:1', 'active' as const]]);
    const { rows, officers } = reconcileOfficers(before, [account(1), account(2)], inForce);
    expect(officers).toEqual([
      before[0],
      { kid: 'ARC:officer:2', name: 'Person 2', jwk: jwk('x2'), status: 'active' },
    ]);
    expect(rows.map((r) => [r.kid, r.inFile, r.inForce, r.change])).toEqual([
      ['ARC:officer:1', 'active', 'active', null],
      ['ARC:officer:2', null, null, 'add'],
    ]);
    expect(before).toHaveLength(1);
  });

  it('retires the key of a disabled account and makes it active again when the account is enabled again', () => {
    const listed = [{ kid: 'ARC:officer:3', name: 'Person 3', jwk: jwk('x3') }];
    const off = reconcileOfficers(listed, [account(3, { disabled: true })]);
    expect(off.rows[0]).toMatchObject({ change: 'retire', inFile: 'active', barred: 'disabled' });
    expect(off.officers[0]).toMatchObject({ status: 'retired' });
    expect(listed[0]).not.toHaveProperty('status');

    const on = reconcileOfficers(off.officers, [account(3)]);
    expect(on.rows[0]).toMatchObject({ change: 'reactivate', inFile: 'retired' });
    expect(on.officers[0]).toMatchObject({ status: 'active' });
  });

  it('retires the key of an account that is no longer an officer or 24/7 contact, and never adds one', () => {
    const listed = [{ kid: 'ARC:officer:8', name: 'Person 8', jwk: jwk('x8') }];
    const moved = account(8, { roles: ['reviewer'] });
    const { rows, officers } = reconcileOfficers(listed, [moved, account(9, { roles: ['executor'] })]);
    expect(officers).toEqual([{ ...listed[0], status: 'retired' }]);
    expect(rows.map((r) => [r.kid, r.barred, r.change])).toEqual([
      ['ARC:officer:8', 'not an officer', 'retire'],
      ['ARC:officer:9', 'not an officer', null],
    ]);
    const contact = reconcileOfficers([], [account(10, { roles: ['contact-24-7'] })]);
    expect(contact.rows[0]).toMatchObject({ change: 'add', barred: null });
  });

  it("never lists a disabled account's key and never brings a revoked key back", () => {
    const revoked = [{ kid: 'ARC:officer:4', name: 'Person 4', jwk: jwk('x4'), status: 'revoked' as const }];
    const { rows, officers } = reconcileOfficers(revoked, [account(4), account(5, { disabled: true })]);
    expect(officers).toEqual(revoked);
    expect(rows.map((r) => [r.kid, r.inFile, r.change])).toEqual([
      ['ARC:officer:4', 'revoked', null],
      ['ARC:officer:5', null, null],
    ]);
  });

  it('follows a change of name, ignores accounts without an officer key and reports keys no account holds', () => {
    const listed = [
      { kid: 'ARC:officer:6', name: 'P. Six', jwk: jwk('x6') },
      { kid: 'ARC:officer:old', name: 'Someone before', jwk: jwk('old'), status: 'retired' as const },
    ];
    const reviewer = account(7, { roles: ['reviewer'], officerKey: null });
    const inForce = new Map([['ARC:officer:old', 'active' as const]]);
    const { rows, officers } = reconcileOfficers(listed, [account(6), reviewer], inForce);
    expect(officers[0]).toMatchObject({ name: 'Person 6' });
    expect(rows.map((r) => [r.kid, r.account, r.inFile, r.inForce, r.change])).toEqual([
      ['ARC:officer:6', 'person6@arc.example', 'active', null, 'rename'],
      ['ARC:officer:old', null, 'retired', 'active', null],
    ]);
  });

  it('names, for the administrator, accounts holding a revoked key and active keys that no account holds', () => {
    const listed = [
      { kid: 'ARC:officer:11', name: 'Person 11', jwk: jwk('x11'), status: 'revoked' as const },
      { kid: 'ARC:officer:gone', name: 'Gone', jwk: jwk('gone') },
      { kid: 'ARC:officer:left', name: 'Left', jwk: jwk('left'), status: 'retired' as const },
      { kid: 'ARC:officer:12', name: 'Person 12', jwk: jwk('x12'), status: 'revoked' as const },
    ];
    // A disabled account with a revoked key needs no word: it may not vouch anyway.
    const { rows } = reconcileOfficers(listed, [account(11), account(12, { disabled: true })]);
    expect(warnings(rows)).toEqual([
      'note: person11@arc.example holds a revoked key and cannot vouch for emergency requests.',
      'note: ARC:officer:gone is an active key of no account of this node; retire or revoke by hand (the holder has gone, or the account has a new key).',
    ]);
    expect(warnings(reconcileOfficers([], [account(13)]).rows)).toEqual([]);
  });
});
