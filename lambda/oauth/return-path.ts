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
