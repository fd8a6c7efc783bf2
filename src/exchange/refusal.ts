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
