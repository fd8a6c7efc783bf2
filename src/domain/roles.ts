/** User roles (design §3). */
export const ROLES = ['officer', 'reviewer', 'contact-24-7', 'executor', 'oversight', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Officers and 24/7 contacts vouch for emergency requests with a key of their own (exchange/vouch.ts). */
export const VOUCHING_ROLES: readonly string[] = ['officer', 'contact-24-7'];

/** Whether an account in these roles vouches for emergency requests, and so holds an officer key. */
export const vouches = (roles: readonly string[]) => roles.some((r) => VOUCHING_ROLES.includes(r));
