import { isIP } from 'node:net';
import { parseByteSize, parseDurationMs, parseDurationSeconds } from './duration';

/** The value parsers of the env schema (env.schema.ts): each turns a raw string into a value or a problem. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface EnvVarSpec<T> {
  description: string;
  /** Shown in docs; undefined means "unset by default". */
  default?: string;
  parse(raw: string): Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

export function integer(min: number, max: number) {
  return (raw: string): Parsed<number> => {
    if (!/^-?\d+$/.test(raw.trim())) return fail(`must be an integer, got "${raw}"`);
    const value = Number(raw);
    return value >= min && value <= max ? ok(value) : fail(`must be between ${min} and ${max}`);
  };
}

export function oneOf<T extends string>(...allowed: T[]) {
  return (raw: string): Parsed<T> =>
    (allowed as string[]).includes(raw)
      ? ok(raw as T)
      : fail(`must be one of ${allowed.join(', ')}, got "${raw}"`);
}

export function duration(raw: string): Parsed<number> {
  const seconds = parseDurationSeconds(raw);
  return seconds === null
    ? fail(`must be a duration such as 15m, 3600s, 7d or a number of seconds, got "${raw}"`)
    : ok(seconds);
}

export function durationMs(raw: string): Parsed<number> {
  const ms = parseDurationMs(raw);
  return ms === null
    ? fail(`must be a duration such as 250ms, 5s, 1m or a number of seconds, got "${raw}"`)
    : ok(ms);
}

export function text(raw: string): Parsed<string> {
  return raw.trim() ? ok(raw.trim()) : fail('must not be empty');
}

export function boolean(raw: string): Parsed<boolean> {
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return ok(true);
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return ok(false);
  return fail(`must be true or false, got "${raw}"`);
}

export type DatabaseUrl = { kind: 'mysql'; url: string } | { kind: 'sqlite'; path: string };

export function databaseUrl(raw: string): Parsed<DatabaseUrl> {
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length);
    return path
      ? ok({ kind: 'sqlite', path })
      : fail('sqlite: needs a file path, e.g. sqlite:./data/app.sqlite');
  }
  try {
    const url = new URL(raw);
    if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
      return fail('must start with mysql:// (or sqlite: for an embedded file)');
    }
    if (!url.pathname || url.pathname === '/')
      return fail('must name a database, e.g. mysql://user:pass@host:3306/app');
    url.protocol = 'mysql:';
    return ok({ kind: 'mysql', url: url.toString() });
  } catch {
    return fail('is not a valid URL');
  }
}

/** A comma list of mysql:// URLs, each as DATABASE_URL takes it, no two alike. */
export function mysqlUrls(raw: string): Parsed<string[]> {
  const urls: string[] = [];
  for (const item of raw.split(',').map((entry) => entry.trim())) {
    const parsed = databaseUrl(item);
    if (!parsed.ok || parsed.value.kind !== 'mysql')
      return fail(`"${item}" is not a mysql:// URL that names a database`);
    if (urls.includes(parsed.value.url)) return fail(`lists "${item}" twice`);
    urls.push(parsed.value.url);
  }
  return ok(urls);
}

export function redisUrl(raw: string): Parsed<string> {
  try {
    const url = new URL(raw);
    return url.protocol === 'redis:' || url.protocol === 'rediss:'
      ? ok(raw)
      : fail('must start with redis:// or rediss://');
  } catch {
    return fail('is not a valid URL');
  }
}

/** REDIS_CLUSTER_NODES: the seeds ioredis asks for the cluster's layout, and the nodes' credentials. */
export interface RedisClusterSeeds {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
}

/** `host:port,host:port`; an item may be `redis://[user:password@]host:port` to carry credentials. */
export function redisClusterNodes(raw: string): Parsed<RedisClusterSeeds> {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) return fail('must list at least one host:port');
  const seeds: RedisClusterSeeds = { nodes: [] };
  for (const item of items) {
    let url: URL;
    try {
      url = new URL(item.includes('://') ? item : `redis://${item}`);
    } catch {
      return fail(`"${item}" is not host:port`);
    }
    if (url.protocol !== 'redis:') return fail(`"${item}" must be host:port or redis://host:port`);
    if (!url.hostname || !url.port || (url.pathname !== '' && url.pathname !== '/') || url.search)
      return fail(`"${item}" must be host:port, with nothing else`);
    const username = decodeURIComponent(url.username) || undefined;
    const password = decodeURIComponent(url.password) || undefined;
    if (username !== undefined || password !== undefined) {
      // The nodes of one cluster share their credentials; two different ones are a typo.
      if (
        seeds.password !== undefined &&
        (seeds.username !== username || seeds.password !== password)
      )
        return fail('gives different credentials for different nodes');
      Object.assign(seeds, { username, password });
    }
    seeds.nodes.push({ host: url.hostname, port: Number(url.port) });
  }
  return ok(seeds);
}

/** REDIS_KEY_PREFIX: no braces, so that each key's own hash tag decides its Redis Cluster slot. */
export function redisKeyPrefix(raw: string): Parsed<string> {
  const parsed = text(raw);
  if (parsed.ok && /[{}]/.test(parsed.value))
    return fail('must not contain { or }: keys carry their own Redis Cluster hash tags');
  return parsed;
}

export function origins(raw: string): Parsed<string[]> {
  const list = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of list) {
    if (item === '*') return fail('"*" is not allowed: list the exact origins');
    try {
      const url = new URL(item);
      if (url.origin !== item)
        return fail(`"${item}" is not an origin (scheme://host[:port], no path)`);
    } catch {
      return fail(`"${item}" is not a valid origin`);
    }
  }
  return ok(list);
}

/** `false`, a hop count, or a comma list of proxy addresses / CIDR ranges. `true` is refused: it would trust forged X-Forwarded-For. */
export type TrustProxy = false | number | string[];

export function trustProxy(raw: string): Parsed<TrustProxy> {
  const value = raw.trim();
  if (value === 'false' || value === '') return ok(false);
  if (value === 'true')
    return fail(
      '"true" would trust any client-supplied X-Forwarded-For; name the proxy addresses or a hop count',
    );
  if (/^\d+$/.test(value)) return ok(Number(value));
  const list = value.split(',').map((item) => item.trim());
  for (const item of list) {
    const [address, prefix] = item.split('/');
    const family = isIP(address);
    const prefixOk =
      prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!family || !prefixOk) return fail(`"${item}" is not an IP address or CIDR range`);
  }
  return ok(list);
}

export function byteSize(raw: string): Parsed<number> {
  const bytes = parseByteSize(raw);
  return bytes === null
    ? fail(`must be a size such as 1048576, 512kb or 1mb, got "${raw}"`)
    : ok(bytes);
}

export function secret(raw: string): Parsed<string> {
  return raw.length >= 32 ? ok(raw) : fail('must be at least 32 characters');
}

/** 32 bytes in standard base64 (`openssl rand -base64 32`): an AES-256 key. */
export function aesKey(raw: string): Parsed<Buffer> {
  const value = raw.trim();
  const key = Buffer.from(value, 'base64');
  return /^[A-Za-z0-9+/]{43}=?$/.test(value) && key.length === 32
    ? ok(key)
    : fail('must be 32 random bytes in base64 (openssl rand -base64 32)');
}

/** Kept exactly as given (no trimming): a password's spaces are part of it. */
export function nonEmpty(raw: string): Parsed<string> {
  return raw.length > 0 ? ok(raw) : fail('must not be empty');
}

export function emailAddress(raw: string): Parsed<string> {
  const value = raw.trim();
  return /^[^\s@]+@[^\s@]+$/.test(value) ? ok(value) : fail(`"${raw}" is not an email address`);
}

export function hostname(raw: string): Parsed<string> {
  const value = raw.trim().toLowerCase();
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(value)
    ? ok(value)
    : fail(`"${raw}" is not a domain name`);
}

/** The frontend's base URL: absolute http(s), no credentials, query or fragment; kept without a trailing slash. */
export function appUrl(raw: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail(`must be an absolute http(s) URL such as https://app.example.com, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return fail(`must start with http:// or https://, got "${raw}"`);
  if (url.username || url.password) return fail('must not contain credentials');
  if (url.search || url.hash || raw.includes('?') || raw.includes('#'))
    return fail('must not have a query or fragment: links append /<page>?token=...');
  return ok(url.href.replace(/\/+$/, ''));
}

/**
 * smtp:// (STARTTLS when offered) or smtps:// (TLS from the start), with the host and optional
 * credentials. Query parameters become nodemailer options (?requireTLS=true); those that turn on
 * its logging are refused, as it would log the messages and the tokens in their links.
 */
export function smtpUrl(raw: string): Parsed<string> {
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
      return fail('must start with smtp:// or smtps://');
    const logging = ['logger', 'debug'].filter((key) => url.searchParams.has(key));
    if (logging.length > 0)
      return fail(`must not set ${logging.join(', ')}: mail logs would hold the links' tokens`);
    return url.hostname ? ok(raw.trim()) : fail('must name a host, e.g. smtp://user:pass@host:587');
  } catch {
    return fail('is not a valid URL');
  }
}

/** `address@domain` or `Display Name <address@domain>`, as a From header takes it. */
export function mailbox(raw: string): Parsed<string> {
  const value = raw.trim();
  const bare = /^[^\s@<>"]+@[^\s@<>"]+$/;
  const named = /^([^<>\r\n]*?)\s*<([^\s@<>"]+@[^\s@<>"]+)>$/.exec(value);
  return bare.test(value) || named
    ? ok(value)
    : fail(
        `"${raw}" is not an address such as no-reply@example.com or "Acme <no-reply@example.com>"`,
      );
}
