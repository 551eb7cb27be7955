// Signs a sample provider delivery with the local run's secret and posts it to the local webhook route.
//   npm run webhook:sample -- shopify app/uninstalled --shop x.myshopify.com
//   npm run webhook:sample -- shopify shop/redact --shop x.myshopify.com
//   npm run webhook:sample -- stripe account.application.deauthorized --account acct_123
//   npm run webhook:sample -- gohighlevel UNINSTALL --location loc123   (or --company comp123)
// Options: --url <local API, default $LOCAL_API_URL or http://localhost:3001>, --data-dir <the local run's
// data, default $LOCAL_DATA_DIR or .local>, --secrets-file <stand-in file, default <data-dir>/aws/secrets.json>,
// --prefix <secret prefix, default app/oauth>, --base64 (send the body base64-encoded), --id <delivery id>,
// --print (show the request instead of posting it).
import { randomUUID, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localHighLevelKey } from './local/webhook-keys';
import { shopifyWebhookHmac } from '../lambda/webhooks/shopify';
import { stripeSignatureHeader } from '../lambda/webhooks/stripe';
import { credentialKeys, signingSecretKey } from '../lambda/providers/secret-keys';

interface Options {
  provider: string;
  topic: string;
  flags: Record<string, string | true>;
}

function parse(argv: string[]): Options {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) positional.push(arg);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) flags[arg.slice(2)] = argv[(i += 1)];
    else flags[arg.slice(2)] = true;
  }
  const [provider, topic] = positional;
  if (!provider || !topic)
    throw new Error(
      'usage: npm run webhook:sample -- <shopify|stripe|gohighlevel> <topic> [--shop|--account|--location|--company <id>]',
    );
  return { provider, topic, flags };
}

const flag = (o: Options, name: string, fallback?: string): string => {
  const value = o.flags[name];
  if (typeof value === 'string') return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`--${name} <value> is required for ${o.provider} ${o.topic}`);
};

/** The local run's data folder (`npm start --data-dir`), where its stand-in secrets and signing keys live. */
const dataDir = (o: Options): string => flag(o, 'data-dir', process.env.LOCAL_DATA_DIR ?? '.local');

/** The current value of a secret in the local AWS stand-in's file (scripts/local/aws-standins.ts). */
function localSecret(o: Options, key: string): string {
  const file = flag(o, 'secrets-file', join(dataDir(o), 'aws', 'secrets.json'));
  const name = `${flag(o, 'prefix', 'app/oauth')}/${key}`;
  if (!existsSync(file))
    throw new Error(
      `no local secrets at ${file}: start the local run first, or pass its --data-dir (or --secrets-file)`,
    );
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    { deletedAt?: number; versions: { value: string; stages: string[] }[] }
  >;
  const value = all[name]?.deletedAt
    ? undefined
    : all[name]?.versions.find((v) => v.stages.includes('AWSCURRENT'))?.value;
  if (!value || value.startsWith('PLACEHOLDER'))
    throw new Error(
      `secret ${name} is not set in the local run (npm run credentials -- set ${key.split('/')[0]})`,
    );
  return value;
}

function sample(o: Options): { body: Record<string, unknown>; sign(raw: Buffer): Record<string, string> } {
  const id = typeof o.flags.id === 'string' ? o.flags.id : undefined;
  if (o.provider === 'shopify') {
    const shop = flag(o, 'shop');
    const body =
      o.topic === 'app/uninstalled'
        ? { id: 548380009, name: shop.split('.')[0], myshopify_domain: shop, domain: shop }
        : o.topic === 'shop/redact'
          ? { shop_id: 954889, shop_domain: shop }
          : {
              shop_id: 954889,
              shop_domain: shop,
              customer: { id: 191167 },
              orders_requested: [299938],
              orders_to_redact: [299938],
              data_request: { id: 9999 },
            };
    const secret = localSecret(o, credentialKeys('shopify').clientSecret);
    return {
      body,
      sign: (raw) => ({
        'x-shopify-hmac-sha256': shopifyWebhookHmac(raw, secret),
        'x-shopify-topic': o.topic,
        'x-shopify-shop-domain': shop,
        'x-shopify-webhook-id': id ?? randomUUID(),
        'x-shopify-triggered-at': new Date().toISOString(),
      }),
    };
  }
  if (o.provider === 'stripe') {
    const body = {
      id: id ?? `evt_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      object: 'event',
      type: o.topic,
      account: flag(o, 'account'),
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'ca_local', object: 'application', name: 'ListBackup (local)' } },
    };
    const secret = localSecret(o, signingSecretKey('stripe'));
    return {
      body,
      sign: (raw) => ({
        'stripe-signature': stripeSignatureHeader(raw, Math.floor(Date.now() / 1000), secret),
      }),
    };
  }
  if (o.provider === 'gohighlevel') {
    const appId = localSecret(o, credentialKeys('gohighlevel').clientId).split('-')[0];
    const where =
      typeof o.flags.company === 'string'
        ? { companyId: o.flags.company }
        : { locationId: flag(o, 'location') };
    const body = {
      type: o.topic,
      appId,
      ...where,
      webhookId: id ?? randomUUID(),
      timestamp: new Date().toISOString(),
    };
    const key = localHighLevelKey(dataDir(o)).privateKey;
    return { body, sign: (raw) => ({ 'x-ghl-signature': sign(null, raw, key).toString('base64') }) };
  }
  throw new Error(`${o.provider} sends no webhooks (supported: shopify, stripe, gohighlevel)`);
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const { body, sign: signer } = sample(o);
  const raw = Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', ...signer(raw) };
  const url = `${flag(o, 'url', process.env.LOCAL_API_URL ?? 'http://localhost:3001')}/integrations/webhooks/${o.provider}`;
  if (o.flags.print) {
    console.log(JSON.stringify({ url, headers, body }, null, 2));
    return;
  }
  const base64 = o.flags.base64 === true;
  const res = await fetch(url, {
    method: 'POST',
    headers: base64 ? { ...headers, 'content-type': 'application/octet-stream' } : headers,
    body: raw,
  });
  console.log(`${res.status} ${await res.text()}`);
  if (res.status >= 400) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
