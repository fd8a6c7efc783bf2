/**
 * Which cases a user may see, as SQL, so that lists, totals and search are filtered in the database exactly as
 * the Cedar policies (src/authz/policies.cedar) decide single reads. The list then asks Cedar for every row as
 * well; test/authz/list-filter.int.test.ts checks on generated cases that the two never disagree.
 */
import { and, eq, ilike, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { UserActor } from '../domain/actor.ts';
import { cases } from '../store/schema.ts';

/** States in which an executing agency works on (and sees) a request, on the requested side. */
export const EXECUTION_STATES = ['accepted', 'accepted-with-conditions', 'executing', 'delivered', 'closed'];
const URGENT = ['urgent', 'emergency'];

const never = sql`false`;

/** Cases of the user's party: either side, but the requested side only once the request has left its draft. */
function partyCases(party: string): SQL {
  return or(eq(cases.requesting, party), and(eq(cases.requested, party), ne(cases.state, 'draft')))!;
}

/** The cases the user may read in full (policy `read-cases`, minus `need-to-know`). */
export function fullReadFilter(user: UserActor): SQL {
  const roles = new Set(user.roles);
  const byRole: SQL[] = [];
  if (roles.has('officer') || roles.has('reviewer') || roles.has('admin')) byRole.push(sql`true`);
  else {
    if (roles.has('executor'))
      byRole.push(and(eq(cases.requested, user.party), inArray(cases.state, EXECUTION_STATES))!);
    if (roles.has('contact-24-7'))
      byRole.push(
        or(eq(cases.channel, '24-7'), inArray(cases.urgency, URGENT), eq(cases.createdBy, user.id))!,
      );
  }
  if (!byRole.length) return never;
  return and(
    partyCases(user.party),
    or(...byRole),
    or(isNull(cases.restrictedTo), sql`${cases.restrictedTo} @> ${JSON.stringify([user.id])}::jsonb`),
  )!;
}

/** The cases the user may see redacted only (policy `oversight-reads-redacted`). */
export function redactedReadFilter(user: UserActor): SQL {
  return user.roles.includes('oversight') ? partyCases(user.party) : never;
}

/**
 * Everything the user may see, with an optional search. A redacted reader's search matches case ids only:
 * searching the facts of a case one may not read would reveal them one guess at a time.
 */
export function visibleCases(user: UserActor, q?: string): SQL {
  if (!q) return or(fullReadFilter(user), redactedReadFilter(user))!;
  const like = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const byId = ilike(cases.id, like);
  return or(
    and(fullReadFilter(user), or(ilike(cases.searchText, like), byId)),
    and(redactedReadFilter(user), byId),
  )!;
}
