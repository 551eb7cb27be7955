// The connect page of the local run: start a connection, come back from the provider, confirm it.
// @ts-check
'use strict';

/** @typedef {import('../connect-page-html').PageProvider} PageProvider */
/** @typedef {{ userId: string, accountId: string, name: string }} DevUser */
/** @typedef {{ error?: string, message?: string }} ErrorAnswer An error answer of the API. */
/** @typedef {{ authorizationUrl: string }} StartAnswer The answer of POST .../start. */
/** @typedef {{ status: 'connected' | 'reconnected', sourceId: string }} CompleteAnswer Of POST .../complete. */
/** @typedef {{ sourceId: string, provider: string, name: string, status: string }} LocalSource */

/**
 * The content of a `<meta name=..>` of the page ('' when it is missing).
 * @param {string} name
 */
function meta(name) {
  const element = document.querySelector(`meta[name="${name}"]`);
  return element instanceof HTMLMetaElement ? element.content : '';
}

/** @type {readonly DevUser[]} */
const USERS = [
  { userId: 'dev-alice', accountId: 'acct-alice', name: 'Alice' },
  { userId: 'dev-mallory', accountId: 'acct-mallory', name: 'Mallory' },
];

/**
 * The registry's providers as the local front fills them into the page (connect-page-html.ts writes this JSON).
 * @type {readonly PageProvider[]}
 */
const PROVIDERS = JSON.parse(meta('listbackup-providers') || '[]');

/**
 * What the user reads for each error code the API or the callback redirect can carry.
 * @type {Readonly<Record<string, string>>}
 */
const MESSAGES = {
  access_denied: 'You declined access at the provider. Nothing was connected.',
  invalid_state:
    'This sign-in link was already used or is not valid. Nothing was connected; start the connection again.',
  missing_state:
    'The provider came back without the sign-in reference. Nothing was connected; start the connection again.',
  expired_state: 'The sign-in took too long and expired. Nothing was connected; start the connection again.',
  provider_mismatch:
    'This sign-in was started for another provider. Nothing was connected; start again from the right provider.',
  issuer_mismatch:
    'The answer did not come from the expected provider and was rejected for your safety. Start again.',
  invalid_callback:
    'The provider sent an incomplete answer. Nothing was connected; start the connection again.',
  invalid_signature:
    'The store\u2019s answer could not be verified. Nothing was connected; start again from your store.',
  shop_mismatch: 'The store that answered is not the one you started with. Nothing was connected.',
  provider_error: 'The provider reported an error and did not grant access. Try again later.',
  invalid_grant:
    'The provider rejected the authorization as expired or already used. Nothing was connected; start the connection again.',
  provider_rejected: 'The provider refused our request. Try again later or contact support.',
  provider_unavailable: 'The provider is not answering right now. Try again in a few minutes.',
  invalid_token_response: 'The provider answered in an unexpected way. Try again in a few minutes.',
  invalid_completion: 'This connection was already confirmed, discarded, or never existed.',
  expired_completion: 'The confirmation came too late, so nothing was connected. Connect again.',
  forbidden:
    'This connection was started by someone else, so it was not added to your account and has been discarded. If you did not start it, someone may have sent you a link to trick you.',
  unauthorized: 'Sign in first.',
  credentials_not_configured: 'This provider is not set up yet (no client credentials).',
  invalid_shop: 'Enter your store as name.myshopify.com.',
  unknown_provider: 'This provider is not supported.',
  source_not_found: 'That source does not exist any more.',
  internal_error: 'Something went wrong on our side. Try again.',
  unreachable: 'The API could not be reached from this page. Nothing was changed; try again.',
};

/**
 * The element with this id, checked to be of the kind the markup gives it.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, name: string }} kind
 * @returns {T}
 */
function $(id, kind) {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`#${id} is missing or not a ${kind.name}`);
  return element;
}

/** @param {string} text */
function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @returns {DevUser} */
function currentUser() {
  const id = localStorage.getItem('listbackup.devUser');
  return USERS.find((u) => u.userId === id) ?? USERS[0];
}

/** @param {DevUser} user */
function token(user) {
  return `dev.${base64url(JSON.stringify({ userId: user.userId, accountId: user.accountId }))}`;
}

/** The API's origin: every /integrations call is cross-origin (the browser sends a CORS preflight first). */
const API_URL = meta('listbackup-api');

/**
 * Calls the API (or the local front's own `/__local` routes) as the signed-in development user.
 * @param {string} method
 * @param {string} path
 * @param {object} [body]
 * @returns {Promise<{ status: number, data: unknown }>}
 */
async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path.startsWith('/integrations/') ? `${API_URL}${path}` : path, {
      method,
      headers: { authorization: `Bearer ${token(currentUser())}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    // The browser hides why (CORS refused, API down, or a gateway answer without CORS headers).
    return { status: 0, data: { error: 'unreachable' } };
  }
  /** @type {unknown} */
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  return { status: response.status, data };
}

/**
 * The error code and message of an answer; the API's error answers are `{ error, message }`.
 * @param {unknown} data
 * @returns {ErrorAnswer}
 */
function errorOf(data) {
  if (!data || typeof data !== 'object') return {};
  const { error, message } = /** @type {Record<string, unknown>} */ (data);
  return {
    error: typeof error === 'string' ? error : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/** @param {string} provider */
function displayName(provider) {
  return PROVIDERS.find((p) => p.id === provider)?.name ?? provider;
}

/**
 * @param {string} status
 * @param {string} message
 * @param {string} [error]
 */
function show(status, message, error) {
  const result = $('result', HTMLElement);
  result.hidden = false;
  result.dataset.status = status;
  if (error) result.dataset.error = error;
  else delete result.dataset.error;
  result.textContent = message;
}

/**
 * @param {string | null | undefined} code
 * @param {string} [fallback]
 */
function showError(code, fallback) {
  // Only the codes listed: a code such as `constructor` from the query string must not reach Object's prototype.
  const known = code && Object.hasOwn(MESSAGES, code) ? MESSAGES[code] : undefined;
  show('error', known ?? fallback ?? MESSAGES.internal_error, code ?? 'internal_error');
}

/**
 * @param {string} provider
 * @param {boolean} requiresShop
 */
async function connect(provider, requiresShop) {
  /** @type {{ returnPath: string, shop?: string }} */
  const body = { returnPath: '/integrations' };
  if (requiresShop) body.shop = $('shop', HTMLInputElement).value.trim();
  show('working', `Starting ${displayName(provider)}\u2026`);
  const { status, data } = await api('POST', `/integrations/oauth/${provider}/start`, body);
  if (status !== 200) {
    const { error, message } = errorOf(data);
    return showError(error, message);
  }
  const { authorizationUrl } = /** @type {StartAnswer} */ (data);
  if ($('link-only', HTMLInputElement).checked) {
    const link = $('link', HTMLElement);
    link.hidden = false;
    link.textContent = authorizationUrl;
    return show('working', `Authorization link for ${displayName(provider)} created (not opened).`);
  }
  window.location.assign(authorizationUrl);
}

/** Back from the provider: confirm a pending connection as the signed-in user, or explain the error. */
async function finish() {
  const params = new URLSearchParams(window.location.search);
  const status = params.get('status');
  const provider = params.get('provider') ?? '';
  if (!status) return;
  // The completion id is single use: keep it out of history and bookmarks.
  history.replaceState(null, '', window.location.pathname);
  if (status === 'error') return showError(params.get('error'));
  const completion = params.get('completion');
  if (status !== 'pending' || !completion || !/^[a-z0-9]+$/.test(provider))
    return showError('invalid_callback');
  show('working', `Finishing the ${displayName(provider)} connection\u2026`);
  const { status: code, data } = await api('POST', `/integrations/oauth/${provider}/complete`, {
    completion,
  });
  if (code === 200) {
    const answer = /** @type {CompleteAnswer} */ (data);
    show(
      answer.status,
      `${displayName(provider)} ${answer.status === 'reconnected' ? 'reconnected' : 'connected'} (source ${answer.sourceId}).`,
    );
  } else {
    const { error, message } = errorOf(data);
    showError(error, message);
  }
}

async function renderSources() {
  const user = currentUser();
  $('account', HTMLElement).textContent = `${user.name}\u2019s account (${user.accountId})`;
  const list = $('sources', HTMLUListElement);
  list.textContent = '';
  const { status, data } = await api('GET', '/__local/sources');
  /** @type {LocalSource[]} The local front's `/__local/sources` answers the caller's sources. */
  const sources = status === 200 && Array.isArray(data) ? data : [];
  if (!sources.length) {
    const li = document.createElement('li');
    li.textContent = 'No sources yet.';
    list.append(li);
  }
  for (const source of sources) {
    const li = document.createElement('li');
    li.dataset.provider = source.provider;
    li.textContent = `${source.name} \u2014 ${source.status} (${source.sourceId})`;
    list.append(li);
  }
}

function render() {
  const select = $('user', HTMLSelectElement);
  for (const user of USERS) {
    const option = document.createElement('option');
    option.value = user.userId;
    option.textContent = `${user.name} (${user.accountId})`;
    select.append(option);
  }
  select.value = currentUser().userId;
  select.addEventListener('change', () => {
    localStorage.setItem('listbackup.devUser', select.value);
    void renderSources();
  });
  const list = $('providers', HTMLUListElement);
  for (const { id, name, requiresShop } of PROVIDERS) {
    const li = document.createElement('li');
    li.dataset.provider = id;
    const title = document.createElement('strong');
    title.textContent = name;
    li.append(title);
    if (requiresShop) {
      const shop = document.createElement('input');
      shop.id = 'shop';
      shop.value = 'demo-store.myshopify.com';
      shop.setAttribute('aria-label', 'Shopify store domain');
      shop.dataset.testid = 'shop';
      li.append(shop);
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `Connect ${name}`;
    button.dataset.testid = `connect-${id}`;
    button.addEventListener('click', () => void connect(id, requiresShop));
    li.append(button);
    list.append(li);
  }
}

render();
void finish().then(renderSources);
