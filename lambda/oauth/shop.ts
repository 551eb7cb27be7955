// Shopify shop domains: only <name>.myshopify.com is ever put into a URL we call or redirect to.

/** Shopify's documented shop hostname shape: letters, digits and hyphens, then .myshopify.com. */
const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$/;

export function isShopDomain(value: unknown): value is string {
  return typeof value === 'string' && SHOP_DOMAIN.test(value);
}
