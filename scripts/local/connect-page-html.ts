// The connect page's HTML as the local front serves it: the API origin and the registry's providers filled in.
import { PROVIDER_IDS, PROVIDERS } from '../../lambda/providers/registry';

/** One provider as the connect page lists it. */
export interface PageProvider {
  id: string;
  name: string;
  /** The page asks for a shop domain before it starts the connection. */
  requiresShop: boolean;
}

/** The providers of the registry, in its order, as the page lists them. */
export function pageProviders(): PageProvider[] {
  return PROVIDER_IDS.map((id) => ({
    id,
    name: PROVIDERS[id].displayName,
    requiresShop: PROVIDERS[id].requiresShop,
  }));
}

const attribute = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * `index.html` with `__API_URL__` and `__PROVIDERS__` (a meta tag's content: the list as JSON) filled in.
 * @example renderConnectPage('<meta name="listbackup-providers" content="__PROVIDERS__">', 'http://127.0.0.1:4000')
 */
export function renderConnectPage(html: string, apiUrl: string, providers = pageProviders()): string {
  return html
    .replaceAll('__API_URL__', apiUrl)
    .replaceAll('__PROVIDERS__', attribute(JSON.stringify(providers)));
}
