/**
 * Cedar authorisation (design §10): maps users and cases to Cedar entities and asks the policies in
 * policies.cedar. Every route calls `authorize`; a denial is for the caller to log and turn into 403 or 404.
 */
import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { Action } from '../domain/lifecycle.ts';

const POLICY_SET_ID = 'comity';
const policyText = readFileSync(new URL('./policies.cedar', import.meta.url), 'utf8');
const parsed = cedar.preparsePolicySet(POLICY_SET_ID, { staticPolicies: policyText });
if (parsed.type !== 'success') throw new Error(`policies.cedar: ${JSON.stringify(parsed.errors)}`);

export interface Principal {
  id: string;
  party: string;
  roles: readonly string[];
  disabled?: boolean;
}

export type Resource =
  | {
      kind: 'case';
      id: string;
      requesting: string;
      requested: string;
      channel: string;
      urgency: string;
      /** Whether this node's 24/7 contacts may decide it: it came by the 24/7 channel, of a type the node's policy lets them decide. */
      contactDecides: boolean;
      state: string;
      /** The user who drafted it, when drafted on this node. */
      createdBy?: string | null;
      /** Need-to-know: the only users of this node who may see it, or null for no restriction. */
      restrictedTo?: readonly string[] | null;
    }
  | { kind: 'party'; code: string }
  | { kind: 'node'; party: string };

/** Lifecycle actions plus the reads and edits that are not transitions. */
export type AuthzAction =
  | Action
  | 'read'
  | 'read-redacted'
  | 'restrict'
  | 'create'
  | 'edit'
  | 'read-registry'
  | 'administer'
  | 'audit'
  | 'add-evidence'
  | 'open-evidence'
  | 'export-evidence-key';

function resourceEntity(r: Resource): cedar.EntityJson {
  switch (r.kind) {
    case 'case':
      return {
        uid: { type: 'Comity::Case', id: r.id },
        attrs: {
          requesting: r.requesting,
          requested: r.requested,
          channel: r.channel,
          urgency: r.urgency,
          contactDecides: r.contactDecides,
          state: r.state,
          createdBy: r.createdBy ?? '',
          restricted: r.restrictedTo != null,
          restrictedTo: [...(r.restrictedTo ?? [])],
        },
        parents: [],
      };
    case 'party':
      return { uid: { type: 'Comity::Party', id: r.code }, attrs: { code: r.code }, parents: [] };
    case 'node':
      return { uid: { type: 'Comity::Node', id: r.party }, attrs: { party: r.party }, parents: [] };
  }
}

/** Whether the policies allow `principal` to take `action` on `resource`. */
export function authorize(principal: Principal, action: AuthzAction, resource: Resource): boolean {
  const res = resourceEntity(resource);
  const answer = cedar.statefulIsAuthorized({
    principal: { type: 'Comity::User', id: principal.id },
    action: { type: 'Comity::Action', id: action },
    resource: res.uid,
    context: {},
    preparsedPolicySetId: POLICY_SET_ID,
    entities: [
      {
        uid: { type: 'Comity::User', id: principal.id },
        attrs: {
          id: principal.id,
          party: principal.party,
          roles: principal.roles.slice(),
          disabled: principal.disabled ?? false,
        },
        parents: [],
      },
      res,
    ],
  });
  if (answer.type !== 'success') throw new Error(`cedar evaluation failed: ${JSON.stringify(answer.errors)}`);
  return answer.response.decision === 'allow';
}
