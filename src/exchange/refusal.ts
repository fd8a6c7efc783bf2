/** Why an inbound message is refused, and whether the sender may try the same message again later. */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 409,
    readonly reason: string,
    readonly retry = false,
  ) {
    super(reason);
  }
}

/** Zod issues as one line for a refusal's reason: "request.to: unknown party code; facts: too long". */
export function issuesLine(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
}
