// Deep links (`/{slug}?to=…`): a visitor-supplied destination is only followed to the offer's own host or the
// brand's allowed extra domains. Anything else falls back to the offer URL, so a tracking link can never be
// used as an open redirect to a phishing page dressed in a creator's trusted short link.

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
// At least two labels, and the last one not all digits, so neither a bare TLD nor an IP address passes.
const DOMAIN_RE = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)+(?=[a-z0-9-]*[a-z])${LABEL}$`);

/**
 * An allowed extra domain: `shop.example.com` (that host only) or `*.example.com` (any subdomain of
 * example.com, but not example.com itself; list the apex separately when it should be allowed too).
 * Lower-case ASCII only: an internationalized domain is written in its punycode (`xn--…`) form.
 * A wildcard needs two labels after `*.` so that `*.com` cannot allow the whole TLD. (The public-suffix
 * list is not consulted: `*.co.uk` passes, and is the brand's own mistake to make.)
 */
export function checkDomainPattern(pattern: string): boolean {
  if (pattern.length > 253 || !DOMAIN_RE.test(pattern)) return false;
  return !pattern.startsWith('*.') || pattern.split('.').length >= 3;
}

/** An offer's deep-link rules (stored as JSON in offers.deep_links). */
export interface DeepLinkSettings {
  allowCreators: boolean;
  extraDomains: string[];
}

function normalizeHost(hostname: string): string {
  // "shop.com." is the same DNS name as "shop.com"; the trailing dot must not defeat the comparison.
  return hostname.toLowerCase().replace(/\.$/, '');
}

function hostAllowed(host: string, offerHost: string, extraDomains: readonly string[]): boolean {
  if (host === offerHost) return true;
  for (const raw of extraDomains) {
    const pattern = raw.trim().toLowerCase();
    if (!checkDomainPattern(pattern)) continue;
    if (pattern.startsWith('*.')) {
      const suffix = pattern.slice(1); // ".example.com"
      if (host.length > suffix.length && host.endsWith(suffix)) return true;
    } else if (host === pattern) {
      return true;
    }
  }
  return false;
}

function isWeb(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}

export const DEEP_LINK_MAX = 2048;

/**
 * The deep-link destination as a normalized absolute URL, or null when it must not be followed.
 * `candidate` is an absolute http(s) URL or a path starting with exactly one `/`, resolved against the offer URL.
 *
 * The WHATWG parser is forgiving in ways browsers share (it drops tabs and newlines anywhere, trims
 * control characters, reads `\` as `/`, accepts `https:evil.com`), which is what every classic bypass
 * relies on. So the raw string is held to a strict shape first, and the parsed result is checked again.
 */
export function resolveDeepLink(candidate: string, offerUrl: string, extraDomains: readonly string[]): string | null {
  if (typeof candidate !== 'string' || candidate === '' || candidate.length > DEEP_LINK_MAX) return null;
  // Controls (incl. tab/CR/LF, silently dropped by the parser) and backslashes have no honest use here;
  // surrounding whitespace is rejected too rather than trimmed, so what is checked is exactly what is parsed.
  if (/[\u0000-\u001f\u007f\\]/.test(candidate) || /^\s|\s$/.test(candidate)) return null;

  let offer: URL;
  try {
    offer = new URL(offerUrl);
  } catch {
    return null;
  }
  if (!isWeb(offer)) return null;

  let url: URL;
  try {
    if (candidate.startsWith('/')) {
      if (candidate.startsWith('//')) return null; // protocol-relative: another host
      url = new URL(candidate, offer);
    } else if (/^https?:\/\/[^/]/i.test(candidate)) {
      url = new URL(candidate); // no base: a relative form can never borrow the offer's host here
    } else {
      return null; // javascript:, data:, ftp:, https:evil.com, bare "evil.com"…
    }
  } catch {
    return null;
  }

  if (!isWeb(url) || url.username !== '' || url.password !== '') return null;
  const host = normalizeHost(url.hostname);
  if (!hostAllowed(host, normalizeHost(offer.hostname), extraDomains)) return null;
  // Another port on an allowed host may be another service entirely; only the offer's own port or the default.
  if (url.port !== '' && url.port !== offer.port) return null;
  url.hostname = host;
  return url.href;
}
