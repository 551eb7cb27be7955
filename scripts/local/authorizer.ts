// Local stand-in for the core service's Lambda authorizer: a development token names userId and accountId.
//
// Token: `dev.<base64url(JSON {"userId":"..","accountId":".."})>`, sent as `Authorization: Bearer <token>`.
// It proves nothing (local runs only); like the real authorizer it turns the request into
// requestContext.authorizer.lambda = { userId, accountId }, and a missing or malformed token is a 401.

const ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

export interface AuthorizerContext {
  userId: string;
  accountId: string;
}

/** The development token of a user acting in an account. */
export function devToken(userId: string, accountId: string): string {
  return `dev.${Buffer.from(JSON.stringify({ userId, accountId })).toString('base64url')}`;
}

/** The authorizer context of an `Authorization` header, or undefined (-> 401 Unauthorized). */
export function authorize(header: string | undefined): AuthorizerContext | undefined {
  const match = /^Bearer dev\.([A-Za-z0-9_-]{1,1024})$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const { userId, accountId } = claims;
    if (
      typeof userId !== 'string' ||
      typeof accountId !== 'string' ||
      !ID.test(userId) ||
      !ID.test(accountId)
    )
      return undefined;
    return { userId, accountId };
  } catch {
    return undefined;
  }
}
