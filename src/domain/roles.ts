/** User roles (design §3). */
export const ROLES = ['officer', 'reviewer', 'contact-24-7', 'executor', 'oversight', 'admin'] as const;
export type Role = (typeof ROLES)[number];
