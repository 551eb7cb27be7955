// The local HTTP front: API Gateway HTTP API (payload v2) in front of the bundled handlers, plus the connect page.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PreflightMode } from '../../lib/cors';
import { HANDLERS, type HandlerName, type HandlerSpec, type RouteSpec } from '../../lib/handler-specs';
import { originMatcher, preflightAnswer, withCors } from '../../lambda/shared/cors';
import type { HttpEvent, HttpResult } from '../../lambda/shared/http';
import { authorize, type AuthorizerContext } from './authorizer';
import { renderConnectPage } from './connect-page-html';

export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: unknown,
) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined>;

/** A local-only route (not part of the deployed API), served with the dev authorizer. */
export type LocalRoute = (caller: AuthorizerContext, url: URL) => Promise<unknown>;

export interface LocalServerOptions {
  /** Port of the API origin (0: a free one). */
  port: number;
  /** Port of the app origin serving the connect page (default: a free one). */
  appPort?: number;
  /**
   * Who answers preflights, as the stage setting `cors.preflight`: `own-routes` sends them to the
   * cors-preflight handler; `core-api` plays API Gateway's CORS configuration for `allowedOrigins`.
   */
  preflight?: PreflightMode;
  /** Allowed-origin rules for `core-api` mode (the handlers read theirs from CORS_ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  /** Loaded handler modules by name; routes of handlers not given are not served. */
  handlers: Partial<Record<HandlerName, LambdaHandler>>;
  /** Folder with index.html, connect.js, connect.css. */
  pageDir: string;
  /** GET routes under /__local/ (e.g. the sources of the signed-in account). */
  localRoutes?: Record<string, LocalRoute>;
  /** One line per request: method, path (never the query: callbacks carry codes), status, duration. */
  log?: (line: string) => void;
}

export interface LocalServer {
  /** The API origin (same as apiUrl). */
  url: string;
  apiUrl: string;
  /** The app origin: the connect page and the return path. */
  appUrl: string;
  close(): Promise<void>;
}

interface Route {
  name: HandlerName;
  spec: RouteSpec;
  pattern: RegExp;
  params: string[];
}

const TEXT = /^(application\/(json|x-www-form-urlencoded|xml)|text\/)/;
/** Headers of the connect page: it may call its own origin and the API origin, nothing else. */
const pageHeadersFor = (apiUrl: string) => ({
  'content-security-policy': `default-src 'self'; connect-src 'self' ${apiUrl}; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
});
const ASSETS: Record<string, string> = { '/connect.js': 'text/javascript', '/connect.css': 'text/css' };

/** The routes of lib/handler-specs.ts (the same table the stack deploys), for the handlers given. */
function routesOf(handlers: LocalServerOptions['handlers']): Route[] {
  const routes: Route[] = [];
  for (const [name, spec] of Object.entries(HANDLERS) as [HandlerName, (typeof HANDLERS)[HandlerName]][]) {
    if (!('route' in spec) || !spec.route || !handlers[name]) continue;
    const params: string[] = [];
    const source = spec.route.path
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\}/g, (_, p: string) => {
        params.push(p);
        return '([^/]+)';
      });
    routes.push({ name, spec: spec.route, pattern: new RegExp(`^${source}$`), params });
  }
  return routes;
}

/** A request API Gateway refuses before any route or handler sees it, with the answer it gives. */
class GatewayRefusal extends Error {
  constructor(
    readonly status: 400 | 413,
    readonly answer: string,
  ) {
    super(answer);
  }
}

/** API Gateway's HTTP API payload quota: a larger request body is answered 413 without invoking anything. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const badRequest = () => new GatewayRefusal(400, 'Bad Request');

/**
 * The request's URL as API Gateway reads it: an origin-form target whose path has no brackets and only
 * percent-escapes that decode, and a well-formed Host.
 * Anything else is a 400 (API Gateway answers `{"message":"Bad Request"}` without invoking a route).
 */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '';
  const host = req.headers.host ?? 'localhost';
  // `[` and `]` belong to the authority (RFC 3986 §3.2.2), never to a path: `GET //[` is refused, not routed.
  if (!target.startsWith('/') || /[[\]]/.test(target.split('?')[0]) || !HOST.test(host)) throw badRequest();
  let url: URL;
  try {
    // The target is appended to a fixed origin: `//x` is a path here, not a host (new URL('//x', base) would move hosts).
    url = new URL(`http://${host}${target}`);
    decodeURIComponent(url.pathname);
  } catch {
    throw badRequest();
  }
  return url;
}

/** Beyond this much, a refused body is not read to its end: the connection is closed after the 413. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  if (declared <= DRAIN_LIMIT_BYTES) {
    // A body over the quota is still read (and dropped) so the client, still sending, gets to read the 413.
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > DRAIN_LIMIT_BYTES) break;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
  }
  if (declared > MAX_BODY_BYTES || size > MAX_BODY_BYTES)
    throw new GatewayRefusal(413, 'Request Entity Too Large');
  return Buffer.concat(chunks);
}

/** The payload v2 event API Gateway would send for this request. */
function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: { method: string; path: string } = { method: req.method ?? 'GET', path: url.pathname },
  pathParameters: Record<string, string> = {},
  caller?: AuthorizerContext,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || key === 'cookie') continue;
    headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookies = req.headers.cookie?.split(/;\s*/).filter(Boolean);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const textual = TEXT.test(headers['content-type'] ?? 'application/json');
  const routeKey = `${route.method} ${route.path}`;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: url.hostname.split('.')[0],
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(caller ? { authorizer: { lambda: { userId: caller.userId, accountId: caller.accountId } } } : {}),
    },
    ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !textual,
  } as APIGatewayProxyEventV2;
}

function lambdaContext(name: HandlerName, timeoutSeconds: number) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    awsRequestId: randomUUID(),
    functionName: `local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-west-2:000000000000:function:local-${name}`,
    memoryLimitInMB: String(HANDLERS[name].memorySize),
    logGroupName: `/aws/lambda/local-${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function sendResult(
  res: ServerResponse,
  result: APIGatewayProxyStructuredResultV2 | string | undefined,
): void {
  // HTTP API payload v2: a result without statusCode is a 200 JSON body.
  if (result === undefined || typeof result === 'string' || result.statusCode === undefined) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof result === 'string' ? result : JSON.stringify(result ?? null));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode, headers);
  res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Listens on localhost (127.0.0.1 and, where available, ::1); `port` 0 picks a free one. */
async function listenLocal(
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ port: number; servers: Server[] }> {
  const listen = (host: string, p: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer((req, res) => {
        // handle() answers every failure itself; this only keeps a bug in it from ending the process.
        handle(req, res).catch((error: unknown) => {
          process.stderr.write(`local front: ${(error as Error)?.message ?? error}\n`);
          res.destroy();
        });
      });
      server.once('error', reject);
      server.listen(p, host, () => resolve(server));
    });
  const servers = [await listen('127.0.0.1', port)];
  const chosen = (servers[0].address() as { port: number }).port;
  try {
    servers.push(await listen('::1', chosen));
  } catch {
    // No IPv6 loopback here: 127.0.0.1 serves localhost.
  }
  return { port: chosen, servers };
}

/** Logging and API Gateway's answers to malformed requests around one request handler. */
function guarded(
  name: string,
  log: (line: string) => void,
  serve: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    let path = '(unreadable target)';
    res.on('finish', () =>
      log(`${name} ${req.method} ${path} -> ${res.statusCode} (${Date.now() - started} ms)`),
    );
    try {
      const url = requestUrl(req);
      path = url.pathname;
      await serve(req, res, url);
    } catch (error) {
      if (error instanceof GatewayRefusal && !res.headersSent) {
        // The rest of a refused body is not read: close the connection after the answer.
        res.setHeader('connection', 'close');
        return json(res, error.status, { message: error.answer });
      }
      process.stderr.write(`local front: ${req.method} ${path} failed: ${(error as Error).message}\n`);
      if (!res.headersSent) json(res, 500, { message: 'Internal Server Error' });
      else res.end();
    }
  };
}

/**
 * Starts the two origins of the local run: the API (what API Gateway serves at `apiUrl`) and the app (the
 * connect page, playing `appUrl`), so that every call of the page is a cross-origin request with a preflight.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const routes = routesOf(options.handlers);
  const log = options.log ?? (() => undefined);
  const page = (file: string) => readFileSync(join(options.pageDir, file));
  const preflightMode = options.preflight ?? 'own-routes';
  const browserPatterns = routes.filter((r) => r.spec.browser).map((r) => r.pattern);
  const preflightHandler = (Object.keys(HANDLERS) as HandlerName[]).find(
    (name) => (HANDLERS[name] as HandlerSpec).answersPreflights,
  );
  // In core-api mode the API's CORS configuration answers preflights and sets the allow headers itself.
  const gatewayCors = originMatcher(options.allowedOrigins ?? []);

  const invoke = async (name: HandlerName, event: APIGatewayProxyEventV2) => {
    const handler = options.handlers[name] as LambdaHandler;
    const spec = HANDLERS[name];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${name} timed out after ${spec.timeoutSeconds} s`)),
        spec.timeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([handler(event, lambdaContext(name, spec.timeoutSeconds)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const api = guarded('api', log, async (req, res, url) => {
    if (req.method === 'OPTIONS' && browserPatterns.some((p) => p.test(url.pathname))) {
      if (preflightMode === 'core-api')
        return sendResult(res, preflightAnswer(gatewayCors, toEvent(req, url, Buffer.alloc(0))));
      if (preflightHandler && options.handlers[preflightHandler]) {
        const event = toEvent(req, url, await readBody(req), {
          method: 'OPTIONS',
          path: routes.find((r) => r.pattern.test(url.pathname))?.spec.path ?? url.pathname,
        });
        return sendResult(res, await invoke(preflightHandler, event));
      }
    }
    for (const route of routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      if (route.spec.method !== req.method) continue;
      let caller: AuthorizerContext | undefined;
      if (route.spec.authorization === 'core-authorizer') {
        caller = authorize(req.headers.authorization);
        // What API Gateway answers when the Lambda authorizer does not authorize the request.
        if (!caller) return json(res, 401, { message: 'Unauthorized' });
      }
      const pathParameters = Object.fromEntries(
        route.params.map((p, i) => [p, decodeURIComponent(match[i + 1])]),
      );
      const event = toEvent(req, url, await readBody(req), route.spec, pathParameters, caller);
      const result = await invoke(route.name, event);
      if (preflightMode === 'core-api' && route.spec.browser && result && typeof result === 'object')
        return sendResult(
          res,
          withCors(gatewayCors, event as HttpEvent, { headers: {}, ...result } as HttpResult),
        );
      return sendResult(res, result);
    }
    return json(res, 404, { message: 'Not Found' });
  });

  const app = guarded('app', log, async (req, res, url) => {
    const local = /^\/__local\/([a-z-]+)$/.exec(url.pathname);
    if (local && req.method === 'GET' && options.localRoutes?.[local[1]]) {
      const caller = authorize(req.headers.authorization);
      if (!caller) return json(res, 401, { message: 'Unauthorized' });
      return json(res, 200, await options.localRoutes[local[1]](caller, url));
    }
    if (req.method === 'GET' && ASSETS[url.pathname]) {
      res.writeHead(200, { 'content-type': ASSETS[url.pathname], ...pageHeaders });
      return void res.end(page(url.pathname.slice(1)));
    }
    // The app: the connect page at / and at the default return path.
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/integrations')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...pageHeaders });
      return void res.end(renderConnectPage(page('index.html').toString('utf8'), apiUrl));
    }
    return json(res, 404, { message: 'Not Found' });
  });

  const apiListen = await listenLocal(options.port, api);
  const apiUrl = `http://localhost:${apiListen.port}`;
  const pageHeaders = pageHeadersFor(apiUrl);
  const appListen = await listenLocal(options.appPort ?? 0, app);
  const servers = [...apiListen.servers, ...appListen.servers];
  return {
    url: apiUrl,
    apiUrl,
    appUrl: `http://localhost:${appListen.port}`,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
