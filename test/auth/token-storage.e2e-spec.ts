import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { SessionKeys } from '../../src/modules/sessions/session-keys';
import { KV_STORE, type KeyValueStore } from '../../src/kv/kv-store';
import {
  type AuthData,
  bearer,
  login,
  me,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { decodeClaims } from '../support/tokens';

const ACCESS_TTL = 900; // JWT_ACCESS_EXPIRES_IN default: 15m
const REFRESH_TTL = 7 * 24 * 3600; // JWT_REFRESH_EXPIRES_IN default: 7d
const CACHE_TTL = 3600; // SESSION_CACHE_TTL default: 1h

/** Every key and value the app holds in its key-value store (Redis under its prefix, or the in-process map). */
async function dumpStore(t: TestApp, kv: KeyValueStore): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  if (kv.kind === 'memory') {
    // Test-only peek into the in-process store's private map.
    const entries = (
      kv as unknown as {
        entries: Map<string, { value: string | Set<string> | Map<string, number> }>;
      }
    ).entries;
    for (const [key, entry] of entries)
      dump.set(
        key,
        typeof entry.value === 'string' ? entry.value : [...entry.value.keys()].join(','),
      );
    return dump;
  }
  const prefix = t.config.redis.keyPrefix;
  const connection = t.config.redis.connection;
  if (connection?.kind !== 'single') throw new Error('The store dump reads one Redis');
  const client = new Redis(connection.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'set'
            ? (await client.smembers(key)).join(',')
            : type === 'zset'
              ? (await client.zrange(key, 0, -1)).join(',')
              : ((await client.get(key)) ?? '');
        dump.set(key.slice(prefix.length), value);
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return dump;
}

describe('what the key-value store holds for authentication', () => {
  let t: TestApp;
  let kv: KeyValueStore;
  let owner: Registered;

  beforeAll(async () => {
    t = await startTestApp();
    kv = t.app.get<KeyValueStore>(KV_STORE);
    owner = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  async function signIn(
    userAgent = 'storage-test/1.0',
  ): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
    const response = await request(t, 'POST', '/api/auth/login', {
      body: { email: owner.email, password: owner.password, refreshTokenInBody: true },
      headers: { 'x-tenant-id': owner.organization.subdomain, 'user-agent': userAgent },
    });
    expect(response.status).toBe(200);
    const { tokens } = response.json<AuthData>().data;
    return {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken!,
      expiresIn: tokens.expiresIn,
    };
  }

  it('issues an HS256 access token with every required claim and the configured lifetime', async () => {
    const { accessToken, expiresIn } = await signIn();
    const header = JSON.parse(
      Buffer.from(accessToken.split('.')[0], 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(header.alg).toBe('HS256');
    const claims = decodeClaims(accessToken);
    expect(claims).toMatchObject({
      sub: owner.user.id,
      email: owner.email,
      organizationId: owner.organization.id,
      roles: ['admin'],
      typ: 'access',
      iss: 'saas-api',
      aud: 'saas-api',
    });
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.sid).toEqual(expect.any(String));
    expect(claims.exp - claims.iat).toBe(ACCESS_TTL);
    expect(expiresIn).toBe(ACCESS_TTL);
  });

  it('issues opaque refresh tokens with 256 random bits, kept in the store only as a SHA-256 hash with the refresh lifetime', async () => {
    const first = await signIn('device-one/1.0');
    const second = await signIn('device-two/2.0');
    for (const token of [first.refreshToken, second.refreshToken]) {
      const [organizationId, sessionId, secret] = token.split('.');
      expect(organizationId).toBe(owner.organization.id);
      expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    }
    expect(first.refreshToken.split('.')[2]).not.toBe(second.refreshToken.split('.')[2]);

    const sessionId = decodeClaims(first.accessToken).sid;
    expect(first.refreshToken.startsWith(`${owner.organization.id}.${sessionId}.`)).toBe(true);
    const stored = await kv.get(SessionKeys.refresh(owner.organization.id, sessionId));
    expect(stored).toContain(createHash('sha256').update(first.refreshToken).digest('hex'));
    const refreshTtl = await kv.ttl(SessionKeys.refresh(owner.organization.id, sessionId));
    expect(refreshTtl).toBeGreaterThan(REFRESH_TTL - 60);
    expect(refreshTtl).toBeLessThanOrEqual(REFRESH_TTL);

    const session = JSON.parse(
      (await kv.get(SessionKeys.session(owner.organization.id, sessionId)))!,
    ) as Record<string, unknown>;
    expect(session).toMatchObject({
      id: sessionId,
      userId: owner.user.id,
      organizationId: owner.organization.id,
      userAgent: 'device-one/1.0',
    });
    expect(session.ip).toBe('127.0.0.1');
    expect(session.createdAt).toEqual(expect.any(Number));
    expect(session.lastUsedAt).toEqual(expect.any(Number));

    // After a rotation, neither the old nor the new token is anywhere in the store in clear.
    const rotated = await request(t, 'POST', '/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(rotated.status).toBe(200);
    const successor = rotated.json<AuthData>().data.tokens.refreshToken!;
    const dump = await dumpStore(t, kv);
    expect(dump.size).toBeGreaterThan(0);
    for (const [key, value] of dump) {
      for (const token of [first.refreshToken, second.refreshToken, successor]) {
        const secret = token.split('.')[2];
        expect(key).not.toContain(secret);
        expect(value).not.toContain(secret);
      }
    }
  });

  it("lists each session in its user's index, whose TTL follows the refresh lifetime, and records its kind and expiry", async () => {
    const { accessToken, refreshToken } = await signIn();
    const { sid } = decodeClaims(accessToken);
    const index = SessionKeys.userSessions(owner.organization.id, owner.user.id);
    expect((await dumpStore(t, kv)).get(index)?.split(',')).toContain(sid);
    expect(await kv.ttl(index)).toBeGreaterThan(REFRESH_TTL - 60);
    expect(await kv.ttl(index)).toBeLessThanOrEqual(REFRESH_TTL);
    const session = JSON.parse(
      (await kv.get(SessionKeys.session(owner.organization.id, sid)))!,
    ) as {
      kind: string;
      createdAt: number;
      expiresAt: number;
    };
    expect(session.kind).toBe('tenant');
    expect(session.expiresAt - session.createdAt).toBe(REFRESH_TTL * 1000);

    expect((await request(t, 'POST', '/api/auth/refresh', { body: { refreshToken } })).status).toBe(
      200,
    );
    expect((await dumpStore(t, kv)).get(index)?.split(',')).toContain(sid);
    expect(await kv.ttl(index)).toBeGreaterThan(REFRESH_TTL - 60);
  });

  it('blacklists a logged-out token under its jti until it would have expired, and ends its session', async () => {
    const { accessToken, refreshToken } = await signIn();
    const { jti, sid, exp } = decodeClaims(accessToken);
    expect(
      (await request(t, 'POST', '/api/auth/logout', { body: {}, headers: bearer(accessToken) }))
        .status,
    ).toBe(200);

    expect(await kv.get(SessionKeys.blacklist(owner.organization.id, jti))).not.toBeNull();
    const ttl = await kv.ttl(SessionKeys.blacklist(owner.organization.id, jti));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(exp - Date.now() / 1000 + 1);
    expect(await kv.get(SessionKeys.session(owner.organization.id, sid))).toBeNull();
    expect(await kv.get(SessionKeys.refresh(owner.organization.id, sid))).toBeNull();
    expect((await request(t, 'POST', '/api/auth/refresh', { body: { refreshToken } })).status).toBe(
      401,
    );
  });

  it('serves /me from the session cache, which slides, and rebuilds it from the database on a miss', async () => {
    const { accessToken } = await signIn();
    const cacheKey = SessionKeys.sessionCache(owner.organization.id, owner.user.id);

    expect((await me(t, accessToken)).status).toBe(200);
    const cached = JSON.parse((await kv.get(cacheKey))!) as { user: Record<string, unknown> };
    expect(cached.user).toMatchObject({ id: owner.user.id, email: owner.email, roles: ['admin'] });
    expect(JSON.stringify(cached)).not.toMatch(/password/i);

    await kv.expire(cacheKey, 5);
    expect((await me(t, accessToken)).status).toBe(200);
    expect(await kv.ttl(cacheKey)).toBeGreaterThan(CACHE_TTL - 60);

    await kv.delete(cacheKey);
    const rebuilt = await me(t, accessToken);
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.json<AuthData>().data.user.id).toBe(owner.user.id);
    expect(await kv.get(cacheKey)).not.toBeNull();
  });

  it('keeps failed-login counters without the email in clear', async () => {
    const response = await login(
      t,
      owner.organization.subdomain,
      owner.email,
      'Wrong-Pass-for-tests',
    );
    expect(response.status).toBe(401);
    const dump = await dumpStore(t, kv);
    const failedKeys = [...dump.keys()].filter((key) =>
      key.startsWith(`system:auth:failed:{${owner.organization.id}:`),
    );
    // The account's counter and the one of this client on the account.
    expect(failedKeys).toHaveLength(2);
    for (const [key, value] of dump) {
      if (key.startsWith('system:auth:failed:')) {
        expect(key).not.toContain(owner.email);
        expect(value).not.toContain(owner.email);
      }
    }
  });
});
