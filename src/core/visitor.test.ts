import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  browserFamily,
  classifyUserAgent,
  cropUserAgent,
  hashIp,
  hmacSha256Hex,
  referrerHost,
  truncateIp,
  USER_AGENT_MAX,
  visitorKey,
} from './visitor.js';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';
const IPHONE_WEBVIEW =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const ANDROID_WEBVIEW =
  'Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36';

describe('classifyUserAgent: people in in-app browsers always count', () => {
  const people: Array<[string, string, 'mobile' | 'tablet']> = [
    [
      'Instagram iOS',
      `${IPHONE_WEBVIEW} Instagram 312.0.0.32.112 (iPhone14,5; iOS 17_2; en_US; en; scale=3.00; 1170x2532; 548339486)`,
      'mobile',
    ],
    [
      'Instagram Android',
      `${ANDROID_WEBVIEW} Instagram 312.1.0.34.111 Android (33/13; 480dpi; 1080x2340; samsung; SM-S911B; dm1q; qcom; en_US; 548323757)`,
      'mobile',
    ],
    [
      'Instagram native, no Mozilla part',
      'Instagram 297.0.0.33.109 Android (33/13; 420dpi; 1080x2400; Google/google; Pixel 7; panther; panther; en_US; 504)',
      'mobile',
    ],
    [
      'Instagram iPad',
      'Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0 (iPad13,4; iPadOS 16_0; en_US)',
      'tablet',
    ],
    [
      'Facebook iOS',
      `${IPHONE_WEBVIEW} [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.2;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]`,
      'mobile',
    ],
    ['Facebook Android', `${ANDROID_WEBVIEW} [FB_IAB/FB4A;FBAV/445.0.0.34.118;]`, 'mobile'],
    [
      'Messenger',
      `${IPHONE_WEBVIEW} [FBAN/MessengerForiOS;FBAV/440.0.0.32.109;FBBV/545318405;FBDV/iPhone14,5]`,
      'mobile',
    ],
    [
      'TikTok iOS',
      `${IPHONE_WEBVIEW} musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US isDarkMode/0 WKWebView/1 RevealType/Dialog BytedanceWebview/d8a21c6`,
      'mobile',
    ],
    [
      'TikTok Android (trill)',
      `${ANDROID_WEBVIEW} trill_2023205030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/trill app_version/32.5.3 ByteLocale/en`,
      'mobile',
    ],
    ['TikTok native', 'TikTok 26.2.0 rv:262018 (iPhone; iOS 14.4.2; en_US) Cronet', 'mobile'],
    ['Snapchat', `${IPHONE_WEBVIEW} Snapchat/12.65.0.36 (like Safari/8617.1.17.10.9, panda)`, 'mobile'],
    ['LinkedIn app', `${IPHONE_WEBVIEW} [LinkedInApp]/9.29.6412`, 'mobile'],
    ['Twitter app', `${IPHONE_WEBVIEW} Twitter for iPhone/10.22`, 'mobile'],
    ['Pinterest app', `${ANDROID_WEBVIEW} [Pinterest/Android]`, 'mobile'],
    [
      'in-app string with a bot-like token',
      `${IPHONE_WEBVIEW} Instagram 312.0.0.32.112 (iPhone14,5; iOS 17_2) ScreenshotBot/1.0`,
      'mobile',
    ],
  ];
  it.each(people)('%s', (_name, ua, device) => {
    expect(classifyUserAgent(ua)).toEqual({ isBot: false, botReason: null, device });
  });
});

describe('classifyUserAgent: ordinary browsers', () => {
  const browsers: Array<[string, string, string]> = [
    ['iPhone Safari', IPHONE_SAFARI, 'mobile'],
    [
      'Android Chrome',
      'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
      'mobile',
    ],
    [
      'Android Cubot phone',
      'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
      'mobile',
    ],
    ['Firefox Android', 'Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0', 'mobile'],
    [
      'iPad Safari',
      'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
      'tablet',
    ],
    [
      'Android tablet Chrome',
      'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'tablet',
    ],
    ['Firefox Android tablet', 'Mozilla/5.0 (Android 14; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0', 'tablet'],
    [
      'Windows Chrome',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'desktop',
    ],
    [
      'macOS Safari',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
      'desktop',
    ],
    ['Linux Firefox', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', 'desktop'],
    ['unrecognizable', 'SomeApp/1.0', 'unknown'],
  ];
  it.each(browsers)('%s', (_name, ua, device) => {
    expect(classifyUserAgent(ua)).toEqual({ isBot: false, botReason: null, device });
  });
});

describe('classifyUserAgent: bots never count', () => {
  const bots: Array<[string, string]> = [
    ['Twitterbot/1.0', 'preview:twitterbot'],
    ['facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'preview:facebookexternalhit'],
    ['Mozilla/5.0 (compatible; Facebot/1.0)', 'preview:facebot'],
    ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'preview:slackbot'],
    ['Slack-ImgProxy (+https://api.slack.com/robots)', 'preview:slackbot'],
    ['LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)', 'preview:linkedinbot'],
    ['Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'preview:discordbot'],
    ['TelegramBot (like TwitterBot)', 'preview:telegrambot'],
    ['WhatsApp/2.23.20.0 A', 'preview:whatsapp'],
    ['Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5', 'preview:skypeuripreview'],
    ['Iframely/1.3.1 (+https://iframely.com/docs/about)', 'preview:iframely'],
    ['Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)', 'preview:embedly'],
    ['Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)', 'preview:redditbot'],
    ['Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)', 'preview:pinterestbot'],
    ['Pinterest/0.2 (+https://www.pinterest.com/bot.html)', 'preview:pinterestbot'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1)',
      'preview:applebot',
    ],
    [
      'Mozilla/5.0 (Linux; Android 6.0.1) Chrome/41.0.2272.118 Safari/537.36 Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/)',
      'preview:google-pagerenderer',
    ],
    ['Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)', 'preview:vkshare'],
    ['Viber', 'preview:viber'],
    ['Snap URL Preview Service; bot; snapchat; https://developers.snap.com/robots', 'preview:snapchat'],
    [
      'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'crawler:googlebot',
    ],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'crawler:bingbot'],
    ['Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', 'crawler:yandexbot'],
    ['Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', 'crawler:baiduspider'],
    ['DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', 'crawler:duckduckbot'],
    ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 'crawler:ahrefsbot'],
    ['Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', 'crawler:semrushbot'],
    ['Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)', 'crawler:mj12bot'],
    [
      'Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)',
      'crawler:petalbot',
    ],
    ['Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot)', 'crawler:dotbot'],
    [
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
      'crawler:gptbot',
    ],
    [
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)',
      'crawler:claudebot',
    ],
    ['CCBot/2.0 (https://commoncrawl.org/faq/)', 'crawler:ccbot'],
    [
      'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
      'crawler:bytespider',
    ],
    [
      'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; TikTokSpider; ttspider-feedback@tiktok.com)',
      'crawler:bytespider',
    ],
    [
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)',
      'crawler:amazonbot',
    ],
    ['Mozilla/5.0 (compatible; SomeNewBot/0.1)', 'crawler:generic'],
    ['Acme-Spider 2.0', 'crawler:generic'],
    ['linkchecker crawler', 'crawler:generic'],
    ['curl/8.4.0', 'http_client:curl'],
    ['Wget/1.21.4', 'http_client:wget'],
    ['python-requests/2.31.0', 'http_client:python-requests'],
    ['Python-urllib/3.11', 'http_client:python-urllib'],
    ['Python/3.11 aiohttp/3.9.1', 'http_client:aiohttp'],
    ['Go-http-client/2.0', 'http_client:go-http-client'],
    ['Java/17.0.9', 'http_client:java'],
    ['okhttp/4.12.0', 'http_client:okhttp'],
    ['libwww-perl/6.72', 'http_client:libwww-perl'],
    ['axios/1.6.2', 'http_client:axios'],
    ['node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'http_client:node-fetch'],
    ['undici', 'http_client:undici'],
    ['PostmanRuntime/7.36.0', 'http_client:postman'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.71 Safari/537.36',
      'headless',
    ],
    [
      'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
      'headless',
    ],
    ['', 'empty_user_agent'],
    ['   ', 'empty_user_agent'],
  ];
  it.each(bots)('%s -> %s', (ua, reason) => {
    expect(classifyUserAgent(ua)).toEqual({ isBot: true, botReason: reason, device: 'bot' });
  });

  it('takes linear time on a crafted long header', () => {
    const start = performance.now();
    classifyUserAgent('a'.repeat(16_000));
    classifyUserAgent('b-'.repeat(8_000));
    expect(performance.now() - start).toBeLessThan(200);
  });
});

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    [' 10.1.2.3 ', '10.1.2.0'],
    ['0.0.0.0', '0.0.0.0'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1::'],
    ['2001:0DB8:0001:abcd::1', '2001:db8:1::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:db8::', '2001:db8::'],
    ['2001::1:2:3', '2001::'],
    ['::1', '::'],
    ['::', '::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::ffff:198.51.100.7', '198.51.100.0'],
    ['::FFFF:c633:6407', '198.51.100.0'],
    ['64:ff9b::198.51.100.7', '64:ff9b::'],
  ])('%s -> %s', (ip, out) => expect(truncateIp(ip)).toBe(out));

  it.each([
    '',
    'unknown',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.4:80',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7::8',
    '[::1]',
    'localhost',
    '::ffff:1.2.3.256',
  ])('unparseable %j -> unknown', (ip) => expect(truncateIp(ip)).toBe('unknown'));

  it('never yields more than the network part (property)', () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
    fc.assert(fc.property(ipv4, ([a, b, c, d]) => truncateIp(`${a}.${b}.${c}.${d}`) === `${a}.${b}.${c}.0`));
    const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(ipv6, (g) => {
        const out = truncateIp(g.map((n) => n.toString(16)).join(':'));
        const mapped = g.slice(0, 5).every((n) => n === 0) && g[5] === 0xffff;
        return mapped ? out.endsWith('.0') : truncateIp(out) === out && out.split(':').filter(Boolean).length <= 3;
      }),
    );
  });
});

describe('hashIp and visitorKey', () => {
  it('is a keyed, stable, 32-hex digest', () => {
    const h = hashIp('203.0.113.7', 'k1');
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(hashIp('203.0.113.7', 'k1')).toBe(h);
    expect(hashIp('203.0.113.7', 'k2')).not.toBe(h);
    expect(hashIp('203.0.113.8', 'k1')).not.toBe(h);
  });
  it('is HMAC-SHA256 exactly (RFC 2104), for short, block-sized, long and non-ASCII keys and messages', () => {
    const keys = [
      'k1',
      'x'.repeat(63),
      'y'.repeat(64),
      'z'.repeat(65),
      'clé-ü-🔑',
      randomBytes(40).toString('base64url'),
    ];
    const messages = ['203.0.113.7', '2001:db8::1', '', 'ü'.repeat(100), 'm'.repeat(1000)];
    for (const key of keys)
      for (const message of messages)
        expect(hmacSha256Hex(key, message)).toBe(createHmac('sha256', key).update(message).digest('hex'));
    expect(hashIp('203.0.113.7', 'k1')).toBe(
      createHmac('sha256', 'k1').update('203.0.113.7').digest('hex').slice(0, 32),
    );
  });
  it('refuses an empty key (an unkeyed IPv4 hash can be reversed by brute force)', () => {
    expect(() => hashIp('203.0.113.7', '')).toThrow();
  });
  it('visitorKey is 16 hex, stable, and separates its inputs', () => {
    const k = visitorKey('abc', IPHONE_SAFARI);
    expect(k).toMatch(/^[0-9a-f]{16}$/);
    expect(visitorKey('abc', IPHONE_SAFARI)).toBe(k);
    expect(visitorKey('abd', IPHONE_SAFARI)).not.toBe(k);
    expect(visitorKey('ab', 'c')).not.toBe(visitorKey('a', 'bc'));
  });
});

describe('referrerHost', () => {
  it.each([
    ['https://www.Instagram.com/p/xyz?igsh=1', 'www.instagram.com'],
    ['http://t.co/abc', 't.co'],
    ['https://l.facebook.com./l.php', 'l.facebook.com'],
    [' https://example.org ', 'example.org'],
  ])('%s -> %s', (ref, host) => expect(referrerHost(ref)).toBe(host));
  it.each([
    undefined,
    '',
    'android-app://com.google.android.gm/',
    'javascript:alert(1)',
    'not a url',
    'file:///etc/passwd',
  ])('%j -> null', (ref) => expect(referrerHost(ref)).toBeNull());
});

describe('cropUserAgent', () => {
  it('removes control characters and bounds the length', () => {
    expect(cropUserAgent(undefined)).toBe('');
    expect(cropUserAgent('Mozilla/5.0\r\n\u0000X\u0085\u2028Y')).toBe('Mozilla/5.0XY');
    expect(cropUserAgent('x'.repeat(2000))).toHaveLength(USER_AGENT_MAX);
  });
  it('never splits a surrogate pair', () => {
    const out = cropUserAgent('a'.repeat(USER_AGENT_MAX - 1) + '😀'.repeat(10));
    expect(out).toBe('a'.repeat(USER_AGENT_MAX - 1));
  });
  it('always returns a bounded, control-free, well-formed string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1200 }), (s) => {
        const out = cropUserAgent(s);
        return out.length <= USER_AGENT_MAX && !/\p{Cc}/u.test(out) && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out);
      }),
    );
  });
});

describe('browserFamily', () => {
  it.each([
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      'Safari',
      false,
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1',
      'Chrome',
      false,
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0',
      'Edge',
      false,
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0 Mobile Safari/537.36',
      'Samsung Internet',
      false,
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox', false],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.0 (iPhone15,2; iOS 17_4; en_US)',
      'Instagram in-app',
      true,
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/470.0;]',
      'Facebook in-app',
      true,
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0 BytedanceWebview/d8a21c6',
      'TikTok in-app',
      true,
    ],
    ['SomethingElse/1.0', 'Other', false],
  ])('%s is %s', (ua, family, inApp) => {
    expect(browserFamily(ua)).toEqual({ family, inApp });
  });
});
