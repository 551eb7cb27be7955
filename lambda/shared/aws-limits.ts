// How long one AWS SDK call may take: the bound every refresh lease and Lambda timeout is derived from.

/**
 * Longest one HTTP attempt may take, connecting included. Same-region DynamoDB and Secrets Manager answer in
 * tens of milliseconds; a stalled request must end well inside a refresh lease (lambda/tokens/policy.ts).
 */
export const AWS_REQUEST_TIMEOUT_MS = 2_000;
/** Attempts per AWS call (first try included); the SDK's retry wait before the second is well under a second. */
export const AWS_MAX_ATTEMPTS = 2;
/** Upper bound of one AWS call: every attempt timing out, plus the retry wait. */
export const AWS_CALL_MAX_MS = AWS_MAX_ATTEMPTS * AWS_REQUEST_TIMEOUT_MS + 1_000;
