// The one place that reads process.env: validated once at start, frozen, passed in.
import path from 'node:path';
import net from 'node:net';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** postgres://… when set; otherwise the embedded SQLite file under dataDir. */
  readonly databaseUrl: string | null;
  /** Public URL tracking links are built on, without a trailing slash. */
  readonly baseUrl: string;
  readonly logLevel: string;
  /** Header carrying the visitor's country (e.g. CF-IPCountry), lower-cased; empty = none. */
  readonly countryHeader: string;
  /** Milliseconds between click-buffer flushes. */
  readonly clickFlushMs: number;
  /** Clicks held in memory at most while the database is unreachable. */
  readonly clickBufferMax: number;
  /** Pixel and /collect conversions held in memory at most while the database is unreachable. */
  readonly conversionBufferMax: number;
  /** PostgreSQL: how long opening a connection may take. */
  readonly dbConnectTimeoutMs: number;
  /** PostgreSQL: how long one statement may run, or a transaction sit idle; 0 = no limit. */
  readonly dbStatementTimeoutMs: number;
  /** SQLite: how long a write waits for another writer's lock. */
  readonly dbBusyTimeoutMs: number;
  /**
   * TRUST_PROXY: false, true (every hop, the left-most X-Forwarded-For entry), or the proxies' addresses and CIDR
   * blocks; X-Forwarded-For/-Proto/-Host are believed only from them (core/proxy.ts).
   */
  readonly trustProxy: boolean | readonly string[];
  /** Email of the owner account the first start creates (OWNER_EMAIL). */
  readonly ownerEmail: string;
  /** smtp(s)://user:pass@host:port for outgoing email; null = messages go to the local outbox (DATA_DIR/outbox). */
  readonly smtpUrl: string | null;
  /** Sender address of outgoing email ("Name <address>" or an address). */
  readonly mailFrom: string;
  /** Time a client has to send a request's headers (HEADERS_TIMEOUT_MS). */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included (REQUEST_TIMEOUT_MS); a trickled body is cut off. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (KEEP_ALIVE_TIMEOUT_MS); above common load balancers' 60 s. */
  readonly keepAliveTimeoutMs: number;
  /** A connection with no bytes either way for this long is closed (CONNECTION_TIMEOUT_MS), e.g. a client that stops reading. */
  readonly connectionTimeoutMs: number;
  /** Open connections at most (MAX_CONNECTIONS); further ones are refused until some close. */
  readonly maxConnections: number;
  /**
   * For tests only (JOB_PERIOD_MS): every periodic job runs with this period instead of its own, so a test sees many
   * periods in seconds; null = each job's own period.
   */
  readonly jobPeriodMs: number | null;
  /**
   * CLICK_RETENTION_MONTHS: raw clicks are kept for the current month and this many before it, then dropped by the
   * partition job (ADR 0012); null (unset) keeps them forever. At least MIN_CLICK_RETENTION_MONTHS, so that no click
   * inside the longest cookie window is ever dropped.
   */
  readonly clickRetentionMonths: number | null;
}

/**
 * A database that does not answer is found out within seconds, and the request answered 503, instead of holding the
 * request (and a connection) until the operating system gives up on the socket.
 */
export const DATABASE_TIMEOUTS = {
  dbConnectTimeoutMs: 3_000,
  dbStatementTimeoutMs: 5_000,
  dbBusyTimeoutMs: 5_000,
} as const;

export type DatabaseTimeouts = { -readonly [K in keyof typeof DATABASE_TIMEOUTS]: number };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** An address, or an address and a prefix length within its family's (`10.0.0.0/8`, `fd00::/8`). */
function addressOrBlock(entry: string): boolean {
  const [addr = '', len, extra] = entry.split('/');
  const family = net.isIP(addr);
  if (!family || extra !== undefined) return false;
  return len === undefined || (/^\d{1,3}$/.test(len) && Number(len) <= (family === 4 ? 32 : 128));
}

/** TRUST_PROXY: true/false as before, or the proxies' addresses and CIDR blocks (matched by core/proxy.ts). */
function trustProxy(env: Env): boolean | readonly string[] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no|)$/i.test(raw)) return false;
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (!entries.every(addressOrBlock))
    throw new ConfigError(
      `TRUST_PROXY must be true, false, or addresses and CIDR blocks such as 127.0.0.1,10.0.0.0/8; got "${env.TRUST_PROXY}"`,
    );
  return Object.freeze(entries);
}

function url(name: string, raw: string, protocols: string[]): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}, got "${raw}"`);
  }
  return parsed;
}

function ownerEmail(env: Env): string {
  const email = (env.OWNER_EMAIL || 'owner@localhost').trim().toLowerCase();
  if (!/^[^\s@<>()",;]+@[^\s@<>()",;]+$/.test(email))
    throw new ConfigError(`OWNER_EMAIL must be an email address, got "${env.OWNER_EMAIL}"`);
  return email;
}

/** The longest cookie window an offer can have (contract/offers cookieWindowDays). */
const LONGEST_COOKIE_WINDOW_DAYS = 365;

/**
 * The fewest months of raw clicks a retention may keep (ADR 0012). Twelve whole months are at least 365 days, so every
 * click still inside the longest cookie window is kept; one month more leaves room for a network's late postback.
 */
export const MIN_CLICK_RETENTION_MONTHS = 13;

function clickRetentionMonths(env: Env): number | null {
  if (!env.CLICK_RETENTION_MONTHS) return null;
  if (/^\d+$/.test(env.CLICK_RETENTION_MONTHS) && Number(env.CLICK_RETENTION_MONTHS) < MIN_CLICK_RETENTION_MONTHS) {
    throw new ConfigError(
      `CLICK_RETENTION_MONTHS must be at least ${MIN_CLICK_RETENTION_MONTHS}: an offer's cookie window reaches back ${LONGEST_COOKIE_WINDOW_DAYS} days, and a conversion must still find its click; got ${env.CLICK_RETENTION_MONTHS}`,
    );
  }
  return int(env, 'CLICK_RETENTION_MONTHS', 0, MIN_CLICK_RETENTION_MONTHS, 1_200);
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL ? env.DATABASE_URL : null;
  if (databaseUrl) url('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);
  const defaultBase = `http://localhost:${port === 0 ? 3000 : port}`;
  const base = url('BASE_URL', env.BASE_URL || defaultBase, ['http:', 'https:']);
  if (base.pathname !== '/' || base.search || base.hash) {
    throw new ConfigError(`BASE_URL must be an origin without a path, got "${env.BASE_URL}"`);
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  }
  const smtpUrl = env.SMTP_URL ? env.SMTP_URL : null;
  // Checked without echoing the value: it carries the SMTP password.
  if (smtpUrl && !/^smtps?:$/.test(URL.canParse(smtpUrl) ? new URL(smtpUrl).protocol : '')) {
    throw new ConfigError('SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465');
  }
  // Without MAIL_FROM the sender is on BASE_URL's host, so an outbox file at least names the installation.
  const mailHost = /^[a-z0-9.-]*[a-z][a-z0-9.-]*$/i.test(base.hostname) ? base.hostname : 'localhost';
  const mailFrom = env.MAIL_FROM || `Touchpoint <touchpoint@${mailHost}>`;
  if (!/^[^\s@<>]+@[^\s@<>]+$|<[^\s@<>]+@[^\s@<>]+>$/.test(mailFrom.trim())) {
    throw new ConfigError(`MAIL_FROM must be an email address or "Name <address>", got "${mailFrom}"`);
  }
  const config: Config = {
    port,
    host,
    dataDir,
    databaseUrl,
    baseUrl: base.origin,
    logLevel,
    countryHeader: (env.COUNTRY_HEADER ?? 'cf-ipcountry').toLowerCase(),
    clickFlushMs: int(env, 'CLICK_FLUSH_MS', 250, 10, 60_000),
    clickBufferMax: int(env, 'CLICK_BUFFER_MAX', 200_000, 1_000, 10_000_000),
    conversionBufferMax: int(env, 'CONVERSION_BUFFER_MAX', 10_000, 100, 1_000_000),
    dbConnectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', DATABASE_TIMEOUTS.dbConnectTimeoutMs, 100, 600_000),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', DATABASE_TIMEOUTS.dbStatementTimeoutMs, 0, 3_600_000),
    dbBusyTimeoutMs: int(env, 'DB_BUSY_TIMEOUT_MS', DATABASE_TIMEOUTS.dbBusyTimeoutMs, 0, 600_000),
    trustProxy: trustProxy(env),
    ownerEmail: ownerEmail(env),
    smtpUrl,
    mailFrom: mailFrom.trim(),
    headersTimeoutMs: int(env, 'HEADERS_TIMEOUT_MS', 20_000, 1_000, 600_000),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 60_000, 1_000, 3_600_000),
    keepAliveTimeoutMs: int(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000, 1_000, 600_000),
    connectionTimeoutMs: int(env, 'CONNECTION_TIMEOUT_MS', 120_000, 1_000, 3_600_000),
    maxConnections: int(env, 'MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    jobPeriodMs: env.JOB_PERIOD_MS ? int(env, 'JOB_PERIOD_MS', 0, 100, 3_600_000) : null,
    clickRetentionMonths: clickRetentionMonths(env),
    ...overrides,
  };
  // Node refuses a headers timeout longer than the whole request's.
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`,
    );
  }
  return Object.freeze(config);
}
