// An untrusted visitor (IP, User-Agent, Referer) is normalized once, at the boundary, into what a click stores:
// never the raw IP, a bot verdict with a reason a brand can read, and bounded strings.
import { hash } from 'node:crypto';

export type Device = 'mobile' | 'tablet' | 'desktop' | 'bot' | 'unknown';

export interface UserAgentClass {
  isBot: boolean;
  /** Why the request is not a person, e.g. `preview:twitterbot`; null for people. */
  botReason: string | null;
  device: Device;
}

type Rule = readonly [reason: string, pattern: RegExp];

// In-app browsers are where creators' audiences click. Their strings sometimes carry tokens that a generic
// bot match would catch, so they are recognized first and always count. Each pattern is anchored on the
// app's own token shape (e.g. `Snapchat/<version>`) so that the apps' own preview fetchers, such as
// "Snap URL Preview Service; bot; snapchat", or TikTokSpider, are not mistaken for them.
const IN_APP_APPS: readonly Rule[] = [
  ['Instagram', /\bInstagram[ /]\d/i],
  ['Facebook', /\bFBAN\/|\bFBAV\/|\bFB_IAB\//],
  ['TikTok', /\bmusical_ly|\bBytedanceWebview\b|(?:^|[^a-z])trill(?:[^a-z]|$)|\bTikTok[ /]\d/i],
  ['Snapchat', /\bSnapchat\/\d/i],
  ['LinkedIn', /\bLinkedInApp\b/i],
  ['X', /\bTwitter for (?:iPhone|iPad|Android)\b|\bTwitterAndroid\b/i],
  ['Pinterest', /\[Pinterest\/(?:iOS|Android)\]|\bPinterest for (?:iOS|Android)\b/i],
];
const IN_APP: readonly RegExp[] = IN_APP_APPS.map(([, p]) => p);

// Link-preview fetchers: a creator posting a link makes each platform fetch it once or more; none is a person.
const PREVIEW: readonly Rule[] = [
  // Telegram's string says "like TwitterBot": more specific names come first.
  ['telegrambot', /TelegramBot/i],
  ['twitterbot', /Twitterbot/i],
  ['facebookexternalhit', /facebookexternalhit/i],
  ['facebot', /\bFacebot/i],
  ['slackbot', /Slackbot|Slack-ImgProxy/i],
  ['linkedinbot', /LinkedInBot/i],
  ['discordbot', /Discordbot/i],
  ['whatsapp', /\bWhatsApp\/\d/i],
  ['skypeuripreview', /SkypeUriPreview/i],
  ['iframely', /Iframely/i],
  ['embedly', /Embedly/i],
  ['redditbot', /redditbot/i],
  ['pinterestbot', /Pinterestbot|^Pinterest\/0\./i],
  ['applebot', /Applebot/i],
  ['google-pagerenderer', /Google-PageRenderer/i],
  ['vkshare', /vkShare/i],
  ['viber', /\bViber\b/i],
  ['snapchat', /Snap URL Preview/i],
];

const CRAWLER: readonly Rule[] = [
  ['googlebot', /Googlebot|AdsBot-Google|Mediapartners-Google|Google-InspectionTool/i],
  ['bingbot', /bingbot|BingPreview/i],
  ['yandexbot', /YandexBot|YandexMobileBot/i],
  ['baiduspider', /Baiduspider/i],
  ['duckduckbot', /DuckDuckBot/i],
  ['ahrefsbot', /AhrefsBot/i],
  ['semrushbot', /SemrushBot/i],
  ['mj12bot', /MJ12bot/i],
  ['petalbot', /PetalBot/i],
  ['dotbot', /\bDotBot/i],
  ['gptbot', /GPTBot/i],
  ['claudebot', /ClaudeBot|Claude-Web/i],
  ['ccbot', /\bCCBot/i],
  ['bytespider', /Bytespider|TikTokSpider/i],
  ['amazonbot', /Amazonbot/i],
];

const HTTP_CLIENT: readonly Rule[] = [
  ['curl', /^curl\//i],
  ['wget', /\bWget\//i],
  ['python-requests', /python-requests/i],
  ['python-urllib', /Python-urllib/i],
  ['aiohttp', /aiohttp/i],
  ['go-http-client', /Go-http-client/i],
  ['java', /^Java\/|\bApache-HttpClient\//i],
  ['okhttp', /^okhttp\//i],
  ['libwww-perl', /libwww-perl/i],
  ['axios', /^axios\//i],
  ['node-fetch', /node-fetch/i],
  ['undici', /^undici\b/i],
  ['postman', /PostmanRuntime/i],
];

const HEADLESS = /HeadlessChrome|PhantomJS/i;

// Literal alternatives only: a crafted 8 KB header must not cost more than one linear scan.
const GENERIC_BOT = /(?:bot|spider|crawler)\b/i;
// Cubot is a phone maker ("Android 10; CUBOT X30"); its browsers are people.
const NOT_A_BOT = /cubot/gi;

function firstMatch(ua: string, rules: readonly Rule[]): string | null {
  for (const [reason, pattern] of rules) if (pattern.test(ua)) return reason;
  return null;
}

function botReason(ua: string): string | null {
  const preview = firstMatch(ua, PREVIEW);
  if (preview) return `preview:${preview}`;
  const crawler = firstMatch(ua, CRAWLER);
  if (crawler) return `crawler:${crawler}`;
  if (HEADLESS.test(ua)) return 'headless';
  const client = firstMatch(ua, HTTP_CLIENT);
  if (client) return `http_client:${client}`;
  if (GENERIC_BOT.test(ua.replace(NOT_A_BOT, ''))) return 'crawler:generic';
  return null;
}

/** Device class of a person's browser; null when the string says nothing recognizable. */
function deviceOf(ua: string, inApp: boolean): Device | null {
  if (/iPad|Tablet|Kindle|\bSilk\b|PlayBook/i.test(ua)) return 'tablet';
  if (/iPhone|iPod|Mobi|Windows Phone|BlackBerry|BB10|Opera Mini/i.test(ua)) return 'mobile';
  // Chrome on Android tablets drops "Mobile" but keeps "Linux; Android"; native in-app strings
  // ("Instagram 300.0 Android (…)") have neither and come from phones.
  if (/Android/i.test(ua)) return /Linux/i.test(ua) ? 'tablet' : 'mobile';
  if (inApp) return 'mobile';
  if (/^(?:Mozilla|Opera)\//.test(ua) || /Windows NT|Macintosh|X11|CrOS/.test(ua)) return 'desktop';
  return null;
}

export function classifyUserAgent(ua: string): UserAgentClass {
  const s = ua.trim();
  if (s === '') return { isBot: true, botReason: 'empty_user_agent', device: 'bot' };
  if (IN_APP.some((p) => p.test(s))) return { isBot: false, botReason: null, device: deviceOf(s, true) ?? 'mobile' };
  const reason = botReason(s);
  if (reason) return { isBot: true, botReason: reason, device: 'bot' };
  return { isBot: false, botReason: null, device: deviceOf(s, false) ?? 'unknown' };
}

// Browsers by family, most specific token first: Edge, Opera and Samsung Internet also say "Chrome"; Chrome on iOS
// (CriOS) and every iOS browser also say "Safari".
const BROWSERS: readonly Rule[] = [
  ['Edge', /\bEdg(?:e|A|iOS)?\//],
  ['Opera', /\bOPR\/|\bOPiOS\/|\bOpera\b/],
  ['Samsung Internet', /\bSamsungBrowser\//],
  ['Firefox', /\bFirefox\/|\bFxiOS\//],
  ['Chrome', /\bChrome\/|\bCriOS\//],
  ['Safari', /\bVersion\/[\d.]+.*\bSafari\//],
];

/**
 * Which browser a person clicked in, for the attribution coverage report: in-app browsers by their app (where cookies
 * are lost most), others by family. Bots are not asked about: their clicks never credit.
 */
export function browserFamily(ua: string): { family: string; inApp: boolean } {
  const app = firstMatch(ua, IN_APP_APPS);
  if (app) return { family: `${app} in-app`, inApp: true };
  return { family: firstMatch(ua, BROWSERS) ?? 'Other', inApp: false };
}

// ---- IP addresses ----

export function parseIpv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    // Leading zeros are rejected: some stacks read "010" as octal, so its meaning is ambiguous.
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a trailing dotted IPv4 part. */
export function parseIpv6(s: string): number[] | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** RFC 5952 text form: lower-case, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(g: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((n) => n.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Coarsens an address so a stored click cannot single out a household: IPv4 to its /24, IPv6 to its /48
 * (the usual allocation to one site). IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports)
 * is treated as the IPv4 it carries. Anything else is `'unknown'`.
 */
export function truncateIp(ip: string): string {
  const s = ip.trim().replace(/%[\w.-]+$/, ''); // an IPv6 zone ("%eth0") names a local interface, not a visitor
  const v4 = parseIpv4(s);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0`;
  const v6 = s.includes(':') ? parseIpv6(s) : null;
  if (!v6) return 'unknown';
  if (v6.slice(0, 5).every((n) => n === 0) && v6[5] === 0xffff) {
    return `${v6[6]! >> 8}.${v6[6]! & 0xff}.${v6[7]! >> 8}.0`;
  }
  return formatIpv6([v6[0]!, v6[1]!, v6[2]!, 0, 0, 0, 0, 0]);
}

/**
 * Keyed hash of an address: the IPv4 space is small enough to brute-force a plain hash, so only someone
 * holding the workspace key can link a hash back to an address.
 */
export function hashIp(ip: string, key: string): string {
  if (key === '') throw new Error('hashIp needs a non-empty key: an unkeyed IP hash is reversible');
  return hmacSha256Hex(key, ip).slice(0, 32);
}

/** A key's HMAC pads (RFC 2104), computed once per key: the workspaces' keys are few. */
const hmacPads = new Map<string, { inner: Buffer; outer: Buffer }>();
const SHA256_BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104) as two one-shot hashes over the key's precomputed pads: the same digest as
 * `createHmac('sha256', key)`, without a Hmac object per call, which cost ~10 µs of every redirect on the event loop.
 */
export function hmacSha256Hex(key: string, message: string): string {
  let pads = hmacPads.get(key);
  if (!pads) {
    let k = Buffer.from(key, 'utf8');
    if (k.length > SHA256_BLOCK) k = hash('sha256', k, 'buffer');
    const inner = Buffer.alloc(SHA256_BLOCK, 0x36);
    const outer = Buffer.alloc(SHA256_BLOCK, 0x5c);
    for (let i = 0; i < k.length; i++) {
      inner[i]! ^= k[i]!;
      outer[i]! ^= k[i]!;
    }
    if (hmacPads.size >= 10_000) hmacPads.clear();
    hmacPads.set(key, (pads = { inner, outer }));
  }
  const msg = Buffer.from(message, 'utf8');
  const first = Buffer.allocUnsafe(SHA256_BLOCK + msg.length);
  pads.inner.copy(first, 0);
  msg.copy(first, SHA256_BLOCK);
  const second = Buffer.allocUnsafe(SHA256_BLOCK + 32);
  pads.outer.copy(second, 0);
  hash('sha256', first, 'buffer').copy(second, SHA256_BLOCK);
  return hash('sha256', second, 'hex');
}

/** Same visitor for the 24 h unique-click check: same hashed IP and same browser string. */
export function visitorKey(ipHash: string, userAgent: string): string {
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  // One call, no Hash object: this runs on every click.
  return hash('sha256', `${ipHash}\n${userAgent}`, 'hex').slice(0, 16);
}

/** Lower-cased host of an http(s) Referer; null for anything else (absent, garbage, `android-app://…`). */
export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  let url: URL;
  try {
    url = new URL(referer.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return host === '' ? null : host;
}

export const USER_AGENT_MAX = 512;

/** A User-Agent bounded for storage and safe to print in logs and CSV exports. */
export function cropUserAgent(ua: string | undefined): string {
  if (!ua) return '';
  const clean = ua.replace(/[\p{Cc}\u2028\u2029]/gu, '').trim();
  if (clean.length <= USER_AGENT_MAX) return clean;
  // Never cut a surrogate pair in half: a lone surrogate is not valid UTF-8 for the database.
  const cut = /[\uD800-\uDBFF]/.test(clean[USER_AGENT_MAX - 1]!) ? USER_AGENT_MAX - 1 : USER_AGENT_MAX;
  return clean.slice(0, cut);
}
