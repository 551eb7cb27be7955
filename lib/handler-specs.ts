// What each handler is and may do: size, route, concurrency and every permission, as data a reviewer reads in one place.
import type { ClientSecretKey } from './client-secrets';
import { CLIENT_CREDENTIAL_KEYS, WEBHOOK_SECRET_KEYS } from './client-secrets';
import type { DynamoAction } from './dynamo-actions';
import type { ImportedTableName } from './imported-tables';
import { REFRESH_WORST_CASE_MS } from '../lambda/tokens/policy';
import type { TokenIndex } from '../lambda/store/tables';
import type { VaultUse } from './token-vault';

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  /** `core-authorizer`: the core service's Lambda authorizer; `public`: the caller proves itself in the request. */
  readonly authorization: 'core-authorizer' | 'public';
  /**
   * Called by the app's JavaScript from the app's origin (a cross-origin request with a preflight): its JSON
   * answers carry CORS headers, and its path gets an OPTIONS route when the stage answers preflights itself.
   * The callback (a top-level navigation) and the webhooks (server calls) are not.
   */
  readonly browser?: true;
}

export interface AccessSpec {
  /** Item actions on the oauth-states table. */
  readonly states?: readonly DynamoAction[];
  /** Item actions on the core service's tables. */
  readonly tables?: { readonly [T in ImportedTableName]?: readonly DynamoAction[] };
  /** Query on indexes of this service's oauth-tokens table (never an index of another service's table). */
  readonly tokenIndexes?: readonly TokenIndex[];
  /** What the function does with the token vault (lib/token-vault.ts turns it into table, key and secret grants). */
  readonly vault?: readonly VaultUse[];
  /** Client credentials (and webhook secrets) readable. */
  readonly secrets?: readonly ClientSecretKey[];
  /** PutEvents on the shared bus. */
  readonly publishEvents?: boolean;
}

/** The reservations a stage may set (`reservedConcurrency` in lib/config.ts). */
export type ReservationName = 'publicRoute' | 'refresher';

export interface HandlerSpec {
  readonly description: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly route?: RouteSpec;
  /**
   * Deployed only when the stage answers preflights itself (`cors.preflight: 'own-routes'`); it then gets an
   * unauthorized `OPTIONS` route on the path of every `browser` route.
   */
  readonly answersPreflights?: true;
  /**
   * Which of the stage's `reservedConcurrency` settings applies (none when the stage leaves it unset): `publicRoute`
   * bounds what an abuser of a public route can cost, `refresher` keeps runs from overlapping.
   */
  readonly reservedConcurrency?: ReservationName;
  readonly access: AccessSpec;
}

const TOKEN_LIFECYCLE: AccessSpec = {
  // Refresh leases: conditional put (take, renew) and release; a waiting worker retries the put, never reads.
  states: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
  tables: {
    // The source's status follows its connection's when a refresh finds the grant revoked (a conditional update,
    // never a read).
    sources: ['dynamodb:UpdateItem'],
    'platform-connections': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    activity: ['dynamodb:PutItem'],
  },
  // Hands out access tokens; a refresh opens the refresh part only and writes on the version it read.
  vault: ['open-access', 'open-refresh', 'replace'],
  secrets: CLIENT_CREDENTIAL_KEYS,
  publishEvents: true,
};

/** Every handler of the service; the key is its entry file under lambda/handlers. */
export const HANDLERS = {
  'oauth-start': {
    description: 'Starts an OAuth connection: stores a one-time state and answers the authorization URL',
    memorySize: 256,
    timeoutSeconds: 10,
    route: {
      method: 'POST',
      path: '/integrations/oauth/{provider}/start',
      authorization: 'core-authorizer',
      browser: true,
    },
    access: {
      states: ['dynamodb:PutItem'],
      tables: { 'user-accounts': ['dynamodb:GetItem'], sources: ['dynamodb:GetItem'] },
      secrets: CLIENT_CREDENTIAL_KEYS,
    },
  },
  'oauth-callback': {
    description:
      'Provider redirect: consumes the state, exchanges the code, seals the tokens as a pending completion',
    memorySize: 512,
    timeoutSeconds: 30,
    route: { method: 'GET', path: '/integrations/oauth/callback/{provider}', authorization: 'public' },
    reservedConcurrency: 'publicRoute',
    // No vault and no records: tokens stay sealed in the pending completion until the user confirms.
    access: {
      states: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
      secrets: CLIENT_CREDENTIAL_KEYS,
    },
  },
  'oauth-complete': {
    description: 'Confirms a pending completion for the user who started it: vault, records, event',
    memorySize: 256,
    // A reconnect may wait for a refresh in flight (lease up to 14 s) before it writes.
    timeoutSeconds: 30,
    route: {
      method: 'POST',
      path: '/integrations/oauth/{provider}/complete',
      authorization: 'core-authorizer',
      browser: true,
    },
    access: {
      // DeleteItem: the completion is consumed; PutItem + DeleteItem: a reconnect holds the refresh lease.
      states: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
      tables: {
        // A flow started for another account: the starting user must still be a member of it.
        'user-accounts': ['dynamodb:GetItem'],
        // DeleteItem: the compensating transaction that undoes a new connection whose event failed. No GetItem
        // or ConditionCheckItem: a reconnect's conditions sit on its Update, which UpdateItem authorizes.
        sources: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        // GetItem: the status before a reconnect decides whether it restores a needs_reauth connection.
        'platform-connections': [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ],
        activity: ['dynamodb:PutItem'],
      },
      // Stores new tokens, never reads stored ones; erase: a new connection rolled back.
      vault: ['create', 'reconnect', 'erase'],
      // Whether another connection shares the external account (revocation scope, duplicate sources).
      tokenIndexes: ['byExternalAccount'],
      // Revokes the tokens of a refused completion at the provider.
      secrets: CLIENT_CREDENTIAL_KEYS,
      publishEvents: true,
    },
  },
  'token-access': {
    description: 'Hands a valid access token to the jobs service (IAM invoke only), refreshing under a lease',
    memorySize: 256,
    // A caller may wait a whole lease for another worker's refresh, then refresh itself (policy.ts).
    timeoutSeconds: Math.ceil(REFRESH_WORST_CASE_MS / 1000) + 5,
    access: TOKEN_LIFECYCLE,
  },
  'connection-refresher': {
    description: 'Scheduled: refreshes connections whose tokens expire soon or whose refresh tokens idle',
    memorySize: 512,
    timeoutSeconds: 300,
    // With the stage's refresher reservation (1), one run at a time; leases keep overlapping runs apart without it.
    reservedConcurrency: 'refresher',
    access: {
      ...TOKEN_LIFECYCLE,
      // UpdateItem through the vault grant keeps the item's place in the refresh index.
      tokenIndexes: ['byRefreshDue'],
    },
  },
  'connection-disconnect': {
    description: 'Disconnects a source: revokes at the provider, schedules the token secret for deletion',
    memorySize: 256,
    timeoutSeconds: 15,
    route: {
      method: 'DELETE',
      path: '/integrations/connections/{sourceId}',
      authorization: 'core-authorizer',
      browser: true,
    },
    access: {
      tables: {
        'user-accounts': ['dynamodb:GetItem'],
        sources: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        'platform-connections': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        activity: ['dynamodb:PutItem'],
      },
      // Whether another connection shares the external account before an account- or grant-wide revocation.
      tokenIndexes: ['byExternalAccount'],
      // Opens both tokens for the revocation at the provider, then removes them (the item stays as a mark).
      vault: ['open-access', 'open-refresh', 'remove'],
      secrets: CLIENT_CREDENTIAL_KEYS,
      publishEvents: true,
    },
  },
  webhooks: {
    description: 'Provider webhooks (uninstall, deauthorization, Shopify compliance), verified by signature',
    memorySize: 256,
    timeoutSeconds: 10,
    route: { method: 'POST', path: '/integrations/webhooks/{provider}', authorization: 'public' },
    reservedConcurrency: 'publicRoute',
    access: {
      // Delivery ids and their progress, for idempotency (conditional UpdateItem).
      states: ['dynamodb:UpdateItem'],
      tables: {
        // DeleteItem: shop/redact removes the connection record.
        'platform-connections': ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        sources: ['dynamodb:UpdateItem'],
        activity: ['dynamodb:PutItem'],
      },
      tokenIndexes: ['byExternalAccount'],
      // Never opens tokens: removes them on uninstall and erases them on shop/redact.
      vault: ['remove', 'erase'],
      // From each scheme's key: Shopify signs with the app's client secret (read as a pair by clientCredentials),
      // Stripe with its endpoint secret; HighLevel deliveries name the app id, the prefix of our client id.
      secrets: WEBHOOK_SECRET_KEYS,
      publishEvents: true,
    },
  },
  'cors-preflight': {
    description: "Answers the browser's CORS preflight for the routes the app calls from its own origin",
    memorySize: 128,
    timeoutSeconds: 3,
    answersPreflights: true,
    // No reservation: it does no I/O and answers in about a millisecond, so a flood of preflights costs
    // invocations only and cannot tie up DynamoDB or Secrets Manager the way the callback could.
    access: {},
  },
} as const satisfies Record<string, HandlerSpec>;

export type HandlerName = keyof typeof HANDLERS;
export const HANDLER_NAMES = Object.keys(HANDLERS) as HandlerName[];

/**
 * Concurrency the stage's functions reserve together: what the account's unreserved pool must be able to give up.
 * @example reservedTotal({ publicRoute: 20, refresher: 1 }) // 41 (callback and webhooks 20 each, refresher 1)
 */
export function reservedTotal(reservations: Readonly<Partial<Record<ReservationName, number>>>): number {
  return HANDLER_NAMES.reduce((sum, name) => {
    const spec: HandlerSpec = HANDLERS[name];
    return sum + (spec.reservedConcurrency ? (reservations[spec.reservedConcurrency] ?? 0) : 0);
  }, 0);
}

/** The routes the app calls from the browser (their methods are what a preflight may ask for). */
export const BROWSER_ROUTES: readonly RouteSpec[] = HANDLER_NAMES.flatMap((name) => {
  const route = (HANDLERS[name] as HandlerSpec).route;
  return route?.browser ? [route] : [];
});
