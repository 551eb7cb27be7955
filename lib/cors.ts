// Who answers the browser's preflights on a stage, which origins may call us, and what the core API must allow.
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_MAX_AGE_SECONDS,
  originOf,
} from '../lambda/shared/cors';
import { BROWSER_ROUTES } from './handler-specs';

/**
 * `own-routes` (default): this stack adds an unauthorized `OPTIONS` route on each browser route's path, answered
 * by the cors-preflight function. It works on a core API without a CORS configuration, where an `OPTIONS`
 * request otherwise matches no route (404) or the authorizer (401) and the app's first click fails.
 * `core-api`: the core API's own CORS configuration answers the preflights (API Gateway then answers every
 * `OPTIONS` itself and ignores CORS headers from integrations); it must allow what {@link coreApiCors} lists.
 */
export type PreflightMode = 'own-routes' | 'core-api';
export const PREFLIGHT_MODES: readonly PreflightMode[] = ['own-routes', 'core-api'];

/** The allowed-origin rules of a stage: the app URL's origin, then the stage's additional origins. */
export function allowedOrigins(settings: {
  appUrl: string;
  cors: { additionalOrigins: readonly string[] };
}): string[] {
  return [...new Set([originOf(settings.appUrl), ...settings.cors.additionalOrigins])];
}

/** What a core API CORS configuration must allow for our routes (API Gateway's CorsConfiguration fields). */
export function coreApiCors(origins: readonly string[]) {
  return {
    allowOrigins: [...origins],
    allowMethods: [...CORS_ALLOW_METHODS],
    allowHeaders: [...CORS_ALLOW_HEADERS],
    allowCredentials: false,
    maxAge: CORS_MAX_AGE_SECONDS,
  };
}

/** The README's CORS list, generated from the code (`npm run cors:docs`; test/infra/cors.test.ts checks it). */
export function corsReadmeSection(origins: Readonly<Record<string, readonly string[]>>): string {
  const fields = coreApiCors([]);
  const code = (items: readonly (string | number)[]) => items.map((i) => `\`${i}\``).join(', ');
  return [
    `- Routes: ${code(BROWSER_ROUTES.map((r) => `${r.method} ${r.path}`))}.`,
    `- \`allowMethods\`: ${code(fields.allowMethods)}.`,
    `- \`allowHeaders\`: ${code(fields.allowHeaders)}.`,
    `- \`allowCredentials\`: \`false\` (the app sends an \`Authorization\` header, not cookies).`,
    `- \`maxAge\`: \`${fields.maxAge}\` seconds.`,
    "- `allowOrigins`: the stage's app URL origin plus `cors.additionalOrigins`, exact origins only:",
    ...Object.entries(origins).map(([stage, list]) => `  - ${stage}: ${code(list)}`),
  ].join('\n');
}
