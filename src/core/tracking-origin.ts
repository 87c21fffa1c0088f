// First-party tracking (docs/first-party.md): an offer may name a tracking origin on the brand's own site, such as
// `https://shop.example.com/go`, that the brand's reverse proxy forwards to Touchpoint. Its links are then
// `https://shop.example.com/go/{slug}`, the click cookie is set by a server on the brand's host, and t.js and
// /collect are served from there too. This module holds the rules: what such an origin may be, and the one place a
// link's public URL is built.
import { resolveDeepLink } from './destination.js';

const PREFIX = /^(?:\/[A-Za-z0-9._~-]+)*$/;

/** `localhost` and `*.localhost` resolve to the machine itself: the only hosts a plain-http origin may have. */
function isLocalhost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/**
 * A tracking origin, normalized (scheme, lower-case host, optional path prefix, no trailing slash), or a sentence
 * saying why not. It must be https (http only on localhost), carry no credentials, query or fragment, and its host
 * must be where the offer's deep links may lead: the destination's host or one of the allowed extra domains
 * (`*.example.com` covers subdomains), on the destination's port or the default one.
 */
export function checkTrackingOrigin(
  value: string,
  destinationUrl: string,
  extraDomains: readonly string[],
): { ok: true; origin: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { ok: false, message: 'The tracking origin is a URL such as https://shop.example.com/go.' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalhost(url.hostname)))
    return { ok: false, message: 'The tracking origin must start with https:// (http:// only on localhost).' };
  if (url.username || url.password || url.search || url.hash)
    return { ok: false, message: 'The tracking origin is a scheme, a host and an optional path, nothing else.' };
  const prefix = url.pathname.replace(/\/+$/, '');
  if (!PREFIX.test(prefix))
    return { ok: false, message: 'The path of the tracking origin may hold only letters, digits and . _ ~ -' };
  if (resolveDeepLink(`${url.origin}/`, destinationUrl.replace(/\{[a-z_]+\}/g, ''), extraDomains) === null)
    return {
      ok: false,
      message: "The tracking origin's host must be the offer's website or one of its allowed domains.",
    };
  return { ok: true, origin: `${url.origin}${prefix}` };
}

/** Where an offer's links live: its tracking origin when it has one, else Touchpoint's BASE_URL. */
export function linkBase(baseUrl: string, trackingOrigin: string | null): string {
  return trackingOrigin ?? baseUrl;
}

/** A link's public URL: the one rule for the dashboard, the portal, exports and emails. */
export function linkUrl(base: string, slug: string): string {
  return `${base}/${encodeURIComponent(slug)}`;
}

/**
 * The host a forwarded request names when it came through the offer's proxy: `host` with the port, `hostname`
 * without (nginx's `$host` drops the port), both lower-case. Null for an offer without a tracking origin.
 */
export function firstPartyHosts(trackingOrigin: string | null): { host: string; hostname: string } | null {
  if (!trackingOrigin) return null;
  const url = new URL(trackingOrigin);
  return { host: url.host, hostname: url.hostname };
}
