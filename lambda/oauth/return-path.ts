// returnPath: a path inside the app, never a way to send the browser to another origin (RFC 9700 §4.11).

const SAFE_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?#]*$/;

/**
 * True when `value` is a relative path in the app: starts with one `/`, no scheme, no `//` or `/\`,
 * no control or space characters, and percent-escapes that do not decode to any of those.
 * @example isSafeReturnPath('/sources?tab=new') // true
 * @example isSafeReturnPath('//evil.example')   // false
 */
export function isSafeReturnPath(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return false;
  if (!SAFE_PATH.test(value)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return false;
  }
  if (/[\u0000-\u001f\u007f\\]/.test(decoded) || /^\/[/\\]/.test(decoded) || decoded.includes('//'))
    return false;
  // Resolved against a fixed origin it must stay on that origin.
  return new URL(value, 'https://app.invalid').origin === 'https://app.invalid';
}

/** Query parameters the callback sets on its redirect back into the app (the app reads them). */
export const OUTCOME_PARAMETERS = ['status', 'provider', 'completion', 'error'] as const;
export type OutcomeParameter = (typeof OUTCOME_PARAMETERS)[number];

const isOutcomeParameter = (name: string): name is OutcomeParameter =>
  (OUTCOME_PARAMETERS as readonly string[]).includes(name.toLowerCase());

/**
 * The first outcome parameter that `path`'s query already uses (decoded, in any case), or undefined: a
 * returnPath must not carry one, or the app could read a planted `status` or `completion`.
 * @example outcomeParameterIn('/sources?status=connected') // 'status'
 */
export function outcomeParameterIn(path: string): OutcomeParameter | undefined {
  for (const name of new URL(path, 'https://app.invalid').searchParams.keys())
    if (isOutcomeParameter(name)) return name.toLowerCase() as OutcomeParameter;
  return undefined;
}

/** Removes every outcome parameter (any case) from `params`, so only the redirect's own remain. */
export function dropOutcomeParameters(params: URLSearchParams): void {
  for (const name of [...params.keys()]) if (isOutcomeParameter(name)) params.delete(name);
}
