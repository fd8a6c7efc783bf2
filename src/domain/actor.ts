/** Who did something: a signed-in person, this node itself, or the other party's node. */
export interface UserActor {
  kind: 'user';
  id: string;
  name: string;
  email: string;
  party: string;
  roles: string[];
}
export type Actor =
  | UserActor
  | { kind: 'system'; party: string }
  | { kind: 'peer'; party: string; name?: string; role?: string };

/** The request context captured once per HTTP request (style.md). */
export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent?: string;
  user: UserActor;
}
