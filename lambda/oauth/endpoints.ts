// Fills a provider endpoint template ({shop}) with a value that has already been validated.

/** Replaces `{shop}` in an endpoint; throws if the template needs a shop and none is given. */
export function fillEndpoint(template: string, shop: string | undefined): string {
  if (!template.includes('{shop}')) return template;
  if (!shop) throw new Error('endpoint needs a shop domain');
  return template.replaceAll('{shop}', shop);
}
