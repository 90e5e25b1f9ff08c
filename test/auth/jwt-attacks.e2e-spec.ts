import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { sign, type Algorithm } from 'jsonwebtoken';
import { me, register, type Registered, request } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { type AccessClaims, base64url, decodeClaims, handcraftedJwt } from '../support/tokens';

/**
 * Every forged or broken access token gets 401. Each forged token is otherwise valid: it
 * carries the sub and sid of a live session, so only the attacked property is wrong (the
 * control case proves that the same recipe with nothing attacked is accepted).
 */
describe('access token attacks', () => {
  let t: TestApp;
  let owner: Registered;
  let other: Registered;
  let secret: string;
  let live: AccessClaims;

  beforeAll(async () => {
    t = await startTestApp();
    secret = t.config.jwt.secret;
    owner = await register(t);
    other = await register(t);
    live = decodeClaims(owner.tokens.accessToken);
  });
  afterAll(async () => {
    await t.close();
  });

  const now = () => Math.floor(Date.now() / 1000);

  /** The claims of a live session with a fresh jti and lifetime, changed as asked. */
  function claims(
    changes: Record<string, unknown> = {},
    without: string[] = [],
  ): Record<string, unknown> {
    const payload: Record<string, unknown> = {
      ...live,
      jti: randomUUID(),
      iat: now(),
      exp: now() + 600,
      ...changes,
    };
    for (const key of without) delete payload[key];
    return payload;
  }

  function signed(
    payload: Record<string, unknown>,
    key: string | Buffer = secret,
    algorithm: Algorithm = 'HS256',
  ): string {
    return sign(payload, key, { algorithm });
  }

  /** The real token's header and signature around a different payload. */
  function tampered(changes: Record<string, unknown>): string {
    const [header, , signature] = owner.tokens.accessToken.split('.');
    return `${header}.${base64url({ ...decodeClaims(owner.tokens.accessToken), ...changes })}.${signature}`;
  }

  it('accepts a token built the same way with nothing attacked (control)', async () => {
    expect(live.typ).toBe('access');
    expect(live.iss).toBe('saas-api');
    expect(live.aud).toBe('saas-api');
    expect((await me(t, owner.tokens.accessToken)).status).toBe(200);
    expect((await me(t, signed(claims()))).status).toBe(200);
    expect(
      (
        await me(
          t,
          handcraftedJwt({ alg: 'HS256', typ: 'JWT' }, claims(), { hmac: 'sha256', secret }),
        )
      ).status,
    ).toBe(200);
  });

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = privateKey.export({ type: 'pkcs8', format: 'pem' });

  const attacks: [string, () => string][] = [
    ['alg none, unsigned', () => handcraftedJwt({ alg: 'none', typ: 'JWT' }, claims(), 'unsigned')],
    ['alg None, unsigned', () => handcraftedJwt({ alg: 'None', typ: 'JWT' }, claims(), 'unsigned')],
    [
      'alg none with a valid HS256 signature',
      () => {
        const [, , signature] = signed(claims()).split('.');
        return `${handcraftedJwt({ alg: 'none', typ: 'JWT' }, claims(), 'unsigned')}${signature}`;
      },
    ],
    ['HS512 signed with the right secret', () => signed(claims(), secret, 'HS512')],
    ['HS384 signed with the right secret', () => signed(claims(), secret, 'HS384')],
    ['RS256 signed with an attacker key', () => signed(claims(), rsaPem, 'RS256')],
    [
      'RS256 header over an HMAC signature made with the secret',
      () => handcraftedJwt({ alg: 'RS256', typ: 'JWT' }, claims(), { hmac: 'sha256', secret }),
    ],
    ['wrong secret', () => signed(claims(), 'another-secret-that-is-at-least-32-characters-long')],
    [
      'tampered organizationId, original signature',
      () => tampered({ organizationId: other.organization.id }),
    ],
    ['tampered roles, original signature', () => tampered({ roles: ['admin', 'superadmin'] })],
    ['tampered sub, original signature', () => tampered({ sub: other.user.id })],
    ['expired', () => signed(claims({ iat: now() - 3600, exp: now() - 60 }))],
    ['nbf in the future', () => signed(claims({ nbf: now() + 3600 }))],
    ['missing exp', () => signed(claims({}, ['exp']))],
    ['missing jti', () => signed(claims({}, ['jti']))],
    ['empty jti', () => signed(claims({ jti: '' }))],
    ['missing sid', () => signed(claims({}, ['sid']))],
    ['sid of no live session', () => signed(claims({ sid: randomUUID() }))],
    ['missing sub', () => signed(claims({}, ['sub']))],
    ['missing organizationId', () => signed(claims({}, ['organizationId']))],
    ['missing typ', () => signed(claims({}, ['typ']))],
    ['wrong typ', () => signed(claims({ typ: 'refresh' }))],
    ['wrong iss', () => signed(claims({ iss: 'someone-else' }))],
    ['missing iss', () => signed(claims({}, ['iss']))],
    ['wrong aud', () => signed(claims({ aud: 'another-api' }))],
    ['missing aud', () => signed(claims({}, ['aud']))],
    ['not a JWT at all', () => 'not-a-jwt'],
    ['two segments only', () => signed(claims()).split('.').slice(0, 2).join('.')],
  ];

  it.each(attacks)('refuses %s with 401', async (_name, forge) => {
    const response = await me(t, forge());
    expect(response.status).toBe(401);
    const body = response.body;
    expect(body).toMatchObject({ success: false, error: 'UNAUTHORIZED', statusCode: 401 });
    expect(typeof body.requestId).toBe('string');
    expect(body).not.toHaveProperty('data');
  });

  it('refuses a token sent with another scheme than Bearer', async () => {
    const response = await request(t, 'GET', '/api/auth/me', {
      headers: { authorization: `Token ${owner.tokens.accessToken}` },
    });
    expect(response.status).toBe(401);
  });

  it('still accepts the genuine token after all the attacks (nothing was revoked by them)', async () => {
    expect((await me(t, owner.tokens.accessToken)).status).toBe(200);
    expect((await me(t, other.tokens.accessToken)).status).toBe(200);
  });
});

/**
 * Apps booted in one process (tests, several instances side by side) each check tokens with
 * their own key and session store: a process-wide strategy registry once let the app booted
 * last check the tokens of every app in the process.
 */
describe('access tokens of two apps in one process', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({
      env: { JWT_SECRET: 'another-test-secret-that-is-at-least-32-characters' },
    });
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it("accepts each app's own tokens and refuses the other's", async () => {
    const ofFirst = await register(first);
    const ofSecond = await register(second);
    expect((await me(first, ofFirst.tokens.accessToken)).status).toBe(200);
    expect((await me(second, ofSecond.tokens.accessToken)).status).toBe(200);
    expect((await me(first, ofSecond.tokens.accessToken)).status).toBe(401);
    expect((await me(second, ofFirst.tokens.accessToken)).status).toBe(401);
  });
});
