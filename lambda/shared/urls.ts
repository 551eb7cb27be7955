// URLs the service hands out: the registered callback of a provider and redirects back into the app.
import type { ProviderId } from '../providers/types';
import { dropOutcomeParameters, isSafeReturnPath, type OutcomeParameter } from '../oauth/return-path';

/** The exact redirect_uri registered with a provider for a stage (RFC 9700 §4.1.3: exact matching). */
export function callbackUrl(apiUrl: string, provider: ProviderId): string {
  return `${apiUrl}/integrations/oauth/callback/${provider}`;
}

/** Where the app shows integration outcomes when no returnPath was given. */
export const DEFAULT_RETURN_PATH = '/integrations';

/**
 * App URL + a validated returnPath + outcome parameters; never leaves the app's origin. Outcome parameters
 * the returnPath itself carries (start refuses them; a state stored before may hold some) are dropped.
 */
export function appRedirect(
  appUrl: string,
  returnPath: string | undefined,
  outcome: Partial<Record<OutcomeParameter, string>>,
): string {
  const path = returnPath && isSafeReturnPath(returnPath) ? returnPath : DEFAULT_RETURN_PATH;
  const url = new URL(`${appUrl}${path}`);
  if (url.origin !== new URL(appUrl).origin) return appRedirect(appUrl, undefined, outcome);
  url.hash = '';
  dropOutcomeParameters(url.searchParams);
  for (const [key, value] of Object.entries(outcome))
    if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}
