// Types of the provider registry, inferred from its schema (./schema.ts): what a provider's OAuth quirks look like as data.
import type * as v from 'valibot';
import type {
  CallbackCheckSchema,
  ClientAuthSchema,
  IdentitySourceSchema,
  ProviderSchema,
  RateLimitFormatSchema,
  RateLimitWindowSchema,
  RevocationSchema,
  TokenLifecycleSchema,
} from './schema';

export type { ProviderId } from './registry';
import type { ProviderId } from './registry';

export type ClientAuthMethod = v.InferOutput<typeof ClientAuthSchema>;
export type IdentitySource = v.InferOutput<typeof IdentitySourceSchema>;
export type CallbackCheck = v.InferOutput<typeof CallbackCheckSchema>;
export type TokenLifecycle = v.InferOutput<typeof TokenLifecycleSchema>;
export type Revocation = v.InferOutput<typeof RevocationSchema>;
export type RateLimitWindow = v.InferOutput<typeof RateLimitWindowSchema>;
export type RateLimitFormat = v.InferOutput<typeof RateLimitFormatSchema>;

/** One provider of the registry with its id as a literal (what defineProvider returns). */
export type ProviderEntryOf<Id extends string> = Omit<v.InferOutput<typeof ProviderSchema>, 'id'> & {
  readonly id: Id;
};

/** One provider of the registry. A quirk is a field here, never a branch in a handler. */
export type ProviderEntry = ProviderEntryOf<ProviderId>;

/** Per-stage replacement of a provider's endpoints (sandboxes, the local authorization server). */
export interface EndpointOverride {
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  revocationEndpoint?: string;
  issuer?: string;
}

export type EndpointOverrides = Partial<Record<ProviderId, EndpointOverride>>;
