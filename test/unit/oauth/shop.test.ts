// Shopify shop domains: only <name>.myshopify.com is accepted.
import { isShopDomain } from '../../../lambda/oauth/shop';

describe('isShopDomain', () => {
  it.each([
    'fixture-store.myshopify.com',
    'a.myshopify.com',
    '0shop.myshopify.com',
    `${'a'.repeat(63)}.myshopify.com`,
  ])('accepts %s', (shop) => {
    expect(isShopDomain(shop)).toBe(true);
  });

  it.each([
    ['another domain', 'evil.example'],
    ['a myshopify suffix trick', 'fixture-store.myshopify.com.evil.example'],
    ['a lookalike', 'fixture-store.myshopify.co'],
    ['a scheme', 'https://fixture-store.myshopify.com'],
    ['a path', 'fixture-store.myshopify.com/admin'],
    ['a port', 'fixture-store.myshopify.com:443'],
    ['userinfo', 'a@fixture-store.myshopify.com'],
    ['a leading hyphen', '-store.myshopify.com'],
    ['a nested subdomain', 'a.b.myshopify.com'],
    ['upper case', 'Fixture-Store.myshopify.com'],
    ['a bare suffix', '.myshopify.com'],
    ['a name of 64 characters', `${'a'.repeat(64)}.myshopify.com`],
    ['whitespace', 'fixture-store.myshopify.com '],
    ['a newline', 'fixture-store.myshopify.com\n'],
    ['empty', ''],
  ])('rejects %s', (_label, shop) => {
    expect(isShopDomain(shop)).toBe(false);
  });

  it.each([undefined, null, 42, ['fixture-store.myshopify.com']])('rejects the non-string %p', (value) => {
    expect(isShopDomain(value)).toBe(false);
  });
});
