/** The settings of a fuzz run: the federation's, and how long a request may take. */

/** The federation settings a fuzz run needs: no rate limit (it would answer 429 to almost everything) and
 * tokens that outlive a long run. */
export const FUZZ_SETTINGS = { rateLimitPerMinute: 0, tokenTtlMinutes: 7 * 24 * 60 };

/** A request that gets no answer within this time counts as a hang. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** A request answered slower than this counts as a failure: the node does nothing else meanwhile. */
export const SLOW_MS = 20_000;
/** One request in this many goes through a real socket instead of `app.inject`. */
export const HTTP_ONE_IN = 40;

/** The password of the accounts the fuzzer makes for itself. */
export const FUZZ_PASSWORD = 'fuzz-password-0';
