// Cross-origin answers for the routes the app calls from its own origin: which origins, headers and methods (one source).
import type { HttpEvent, HttpResult } from './http';

/** Request headers the app sends to start, complete and disconnect (lowercase, as browsers list them). */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type'] as const;
/** Methods of the routes the app calls from the browser (start and complete: POST; disconnect: DELETE). */
export const CORS_ALLOW_METHODS = ['POST', 'DELETE'] as const;
/** How long a browser may reuse a preflight answer (Chromium caps it at 2 h; Firefox at 24 h). */
export const CORS_MAX_AGE_SECONDS = 600;

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const RULE = new RegExp(`^(https?)://((?:\\*\\.)?${LABEL}(?:\\.${LABEL})*)(:\\d{1,5})?$`);

/**
 * Whether `rule` is an allowed-origin rule: an exact origin (`https://app.listbackup.ai`, no path, no trailing
 * slash) or one whose leftmost host label is `*`, standing for exactly one DNS label
 * (`https://*.preview.listbackup.ai` matches `https://pr-12.preview.listbackup.ai`, not `https://a.b.preview...`).
 */
export function isOriginRule(rule: string): boolean {
  return RULE.test(rule);
}

/** Whether a rule has a wildcard label (API Gateway's own CORS configuration cannot express one). */
export function isOriginPattern(rule: string): boolean {
  return rule.includes('*');
}

/** A test for Origin header values against the rules, anchored at both ends: a look-alike host never matches. */
export function originMatcher(rules: readonly string[]): (origin: string | undefined) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const rule of rules) {
    if (!isOriginRule(rule)) throw new Error(`not an origin rule: ${JSON.stringify(rule)}`);
    if (!isOriginPattern(rule)) exact.add(rule);
    else patterns.push(new RegExp(`^${rule.replace(/\./g, '\\.').replace('*', LABEL)}$`));
  }
  return (origin) =>
    typeof origin === 'string' && (exact.has(origin) || patterns.some((pattern) => pattern.test(origin)));
}

/** The origin of the app URL (`https://app.dev.listbackup.ai/x` -> `https://app.dev.listbackup.ai`). */
export function originOf(url: string): string {
  return new URL(url).origin;
}

const headerOf = (event: HttpEvent, name: string): string | undefined => {
  // API Gateway lowercases header names in payload v2; other callers may not.
  const headers = event?.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
};

/**
 * Adds the CORS answer for the request's Origin: `Access-Control-Allow-Origin` naming that origin when it is
 * allowed, nothing when it is not (the browser then withholds the answer from the page), and `Vary: Origin`
 * always, so a cache never serves one origin's answer to another. Never `*`, and no
 * `Access-Control-Allow-Credentials`: the app authenticates with an Authorization header, not cookies.
 */
export function withCors(
  allowed: (origin: string | undefined) => boolean,
  event: HttpEvent,
  result: HttpResult,
): HttpResult {
  const origin = headerOf(event, 'origin');
  const headers: Record<string, string> = { ...result.headers, vary: 'Origin' };
  if (allowed(origin)) headers['access-control-allow-origin'] = origin as string;
  return { ...result, headers };
}

/**
 * The answer to a preflight (`OPTIONS` with Origin and Access-Control-Request-Method): 204 with the allowed
 * method and headers for an allowed origin asking for them; 403 without any allow header otherwise.
 */
export function preflightAnswer(
  allowed: (origin: string | undefined) => boolean,
  event: HttpEvent,
): HttpResult {
  const origin = headerOf(event, 'origin');
  const method = headerOf(event, 'access-control-request-method');
  const requested = (headerOf(event, 'access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const refuse = (error: string, message: string): HttpResult => ({
    statusCode: 403,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', vary: 'Origin' },
    body: JSON.stringify({ error, message }),
  });
  if (!allowed(origin))
    return refuse('origin_not_allowed', 'this origin may not call the API from a browser');
  if (!(CORS_ALLOW_METHODS as readonly string[]).includes(method ?? ''))
    return refuse('method_not_allowed', `preflight for ${CORS_ALLOW_METHODS.join(' or ')} only`);
  const extra = requested.filter((h) => !(CORS_ALLOW_HEADERS as readonly string[]).includes(h));
  if (extra.length) return refuse('header_not_allowed', `allowed headers: ${CORS_ALLOW_HEADERS.join(', ')}`);
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': origin as string,
      'access-control-allow-methods': CORS_ALLOW_METHODS.join(', '),
      'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
      vary: 'Origin',
    },
    body: '',
  };
}
