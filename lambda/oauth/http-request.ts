// A provider HTTP request as plain data, so the pure builders can be tested without a network.

export interface ProviderRequest {
  url: string;
  method: 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** HTTP Basic credentials as RFC 6749 §2.3.1 asks: each part form-urlencoded before base64. */
export function basicAuthorization({ clientId, clientSecret }: ClientCredentials): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}
