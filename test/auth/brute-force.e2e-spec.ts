import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { User } from '../../src/modules/users/user.entity';
import {
  type ApiResponse,
  login,
  newSubdomain,
  PASSWORD,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

const WRONG = 'Wrong-Pass-for-tests';
const WINDOW_SECONDS = 900; // LOGIN_FAILURE_WINDOW default: 15m
const MAX_FAILURES = 5; // LOGIN_MAX_FAILURES default

/** The parts of an error body that must not tell the cases apart (requestId differs per request). */
async function errorShape(response: ApiResponse): Promise<{
  status: number;
  keys: string[];
  error?: string;
  message: string;
  statusCode?: number;
}> {
  const body = response.body;
  return {
    status: response.status,
    keys: Object.keys(body).sort(),
    error: body.error,
    message: body.message,
    statusCode: body.statusCode,
  };
}

function retryAfter(response: ApiResponse): number {
  const header = response.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  return Number(header);
}

describe('login lockout and enumeration', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The per-IP limit is tested on its own below; here it must stay out of the way.
    t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it(`locks an account for a client after ${MAX_FAILURES} failures: 429 with Retry-After, even for the right password`, async () => {
    const owner = await register(t);
    for (let attempt = 1; attempt <= MAX_FAILURES; attempt += 1) {
      expect((await login(t, owner.organization.subdomain, owner.email, WRONG)).status).toBe(401);
    }
    const locked = await login(t, owner.organization.subdomain, owner.email, WRONG);
    expect(locked.status).toBe(429);
    const seconds = retryAfter(locked);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(locked.body).toMatchObject({
      success: false,
      error: 'TOO_MANY_REQUESTS',
      statusCode: 429,
    });

    const rightPassword = await login(t, owner.organization.subdomain, owner.email, owner.password);
    expect(rightPassword.status).toBe(429);
    expect(retryAfter(rightPassword)).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(rightPassword.headers.getSetCookie()).toEqual([]);

    // Counted per organization and email: the same email in another organization is unaffected.
    const colleague = await register(t, { email: owner.email });
    expect(
      (await login(t, colleague.organization.subdomain, owner.email, owner.password)).status,
    ).toBe(200);
    // The lockout is a security event.
    const rows = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({ where: { action: 'auth.login.locked', organizationId: owner.organization.id } });
    expect(rows).toHaveLength(1);
  });

  it('locks an unknown email the same way, with the same answer', async () => {
    const owner = await register(t);
    const unknown = `nobody@${owner.organization.subdomain}.test`;
    for (let attempt = 1; attempt <= MAX_FAILURES; attempt += 1) {
      expect((await login(t, owner.organization.subdomain, unknown, WRONG)).status).toBe(401);
      expect((await login(t, owner.organization.subdomain, owner.email, WRONG)).status).toBe(401);
    }
    const lockedUnknown = await login(t, owner.organization.subdomain, unknown, WRONG);
    const lockedKnown = await login(t, owner.organization.subdomain, owner.email, WRONG);
    expect(lockedUnknown.status).toBe(429);
    const unknownSeconds = retryAfter(lockedUnknown);
    expect(unknownSeconds).toBeGreaterThan(0);
    expect(unknownSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(await errorShape(lockedUnknown)).toEqual(await errorShape(lockedKnown));
  });

  it('a successful login before the limit resets the count', async () => {
    const owner = await register(t);
    const tenant = owner.organization.subdomain;
    for (let attempt = 1; attempt < MAX_FAILURES; attempt += 1) {
      expect((await login(t, tenant, owner.email, WRONG)).status).toBe(401);
    }
    expect((await login(t, tenant, owner.email, owner.password)).status).toBe(200);
    // Without the reset the next failures would exceed the limit at once.
    for (let attempt = 1; attempt <= MAX_FAILURES; attempt += 1) {
      expect((await login(t, tenant, owner.email, WRONG)).status).toBe(401);
    }
    expect((await login(t, tenant, owner.email, WRONG)).status).toBe(429);
  });

  it('parallel guesses cannot slip past the limit', async () => {
    const owner = await register(t);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => login(t, owner.organization.subdomain, owner.email, WRONG)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20 - MAX_FAILURES);
  });

  it('answers a wrong password, an unknown email and a disabled account identically', async () => {
    const owner = await register(t);
    const tenant = owner.organization.subdomain;

    const disabled = await register(t, { subdomain: newSubdomain('disabled') });
    await t.app
      .get(DataSource)
      .getRepository(User)
      .update({ id: disabled.user.id }, { status: 'disabled' });

    const wrongPassword = await login(t, tenant, owner.email, WRONG);
    const unknownEmail = await login(t, tenant, `ghost@${tenant}.test`, WRONG);
    const unknownEmailRightPassword = await login(t, tenant, `ghost@${tenant}.test`, PASSWORD);
    const disabledRightPassword = await login(
      t,
      disabled.organization.subdomain,
      disabled.email,
      disabled.password,
    );
    const disabledWrongPassword = await login(
      t,
      disabled.organization.subdomain,
      disabled.email,
      WRONG,
    );

    const reference = await errorShape(wrongPassword);
    expect(reference).toEqual({
      status: 401,
      keys: ['error', 'message', 'requestId', 'statusCode', 'success'],
      error: 'INVALID_CREDENTIALS',
      message: reference.message,
      statusCode: 401,
    });
    expect(reference.message).not.toMatch(/disabled|exist|unknown|not found/i);
    for (const response of [
      unknownEmail,
      unknownEmailRightPassword,
      disabledRightPassword,
      disabledWrongPassword,
    ]) {
      expect(await errorShape(response)).toEqual(reference);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    // Headers do not give it away either.
    const headerNames = (response: ApiResponse) =>
      [...response.headers.keys()]
        .filter((name) => !['date', 'x-request-id', 'content-length'].includes(name))
        .sort();
    expect(headerNames(unknownEmail)).toEqual(headerNames(wrongPassword));
    expect(headerNames(disabledRightPassword)).toEqual(headerNames(wrongPassword));
  });

  it('refuses a login without email or password as a validation error, not as a credentials check', async () => {
    const owner = await register(t);
    const response = await request(t, 'POST', '/api/auth/login', {
      body: { email: owner.email },
      headers: { 'x-tenant-id': owner.organization.subdomain },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('VALIDATION_ERROR');
  });
});

describe('per-IP rate limit of login and register', () => {
  describe('without a trusted proxy (TRUST_PROXY=false, the default)', () => {
    let t: TestApp;
    let owner: Registered;

    beforeAll(async () => {
      t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '3' } });
      owner = await register(t);
    });
    afterAll(async () => {
      await t.close();
    });

    it('gives the 4th login from one IP 429 with Retry-After, and a forged X-Forwarded-For does not reset it', async () => {
      const tenant = owner.organization.subdomain;
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        const response = await request(t, 'POST', '/api/auth/login', {
          body: { email: owner.email, password: owner.password },
          headers: { 'x-tenant-id': tenant, 'x-forwarded-for': `203.0.113.${attempt}` },
        });
        expect(response.status).toBe(200);
      }
      for (const forwarded of ['203.0.113.50', '198.51.100.7, 203.0.113.9', '127.0.0.2']) {
        const response = await request(t, 'POST', '/api/auth/login', {
          body: { email: owner.email, password: owner.password },
          headers: { 'x-tenant-id': tenant, 'x-forwarded-for': forwarded, 'x-real-ip': forwarded },
        });
        expect(response.status).toBe(429);
        const seconds = retryAfter(response);
        expect(seconds).toBeGreaterThan(0);
        expect(seconds).toBeLessThanOrEqual(60); // AUTH_IP_RATE_WINDOW default: 1m
        expect(response.body).toMatchObject({ error: 'TOO_MANY_REQUESTS', statusCode: 429 });
      }
    });

    it('limits registrations per IP as well', async () => {
      // One registration already happened in beforeAll.
      await register(t);
      await register(t);
      const subdomain = newSubdomain();
      const response = await request(t, 'POST', '/api/auth/register', {
        body: {
          organization: { name: 'Too many', subdomain },
          email: `a@${subdomain}.test`,
          password: PASSWORD,
          firstName: 'A',
          lastName: 'B',
        },
        headers: { 'x-forwarded-for': '203.0.113.77' },
      });
      expect(response.status).toBe(429);
      expect(retryAfter(response)).toBeGreaterThan(0);
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=127.0.0.1)', () => {
    let t: TestApp;
    let owner: Registered;

    beforeAll(async () => {
      t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '3', TRUST_PROXY: '127.0.0.1' } });
      owner = await register(t);
    });
    afterAll(async () => {
      await t.close();
    });

    it('counts per forwarded client address', async () => {
      const attempt = (client: string) =>
        request(t, 'POST', '/api/auth/login', {
          body: { email: owner.email, password: owner.password },
          headers: { 'x-tenant-id': owner.organization.subdomain, 'x-forwarded-for': client },
        });
      for (let index = 1; index <= 3; index += 1)
        expect((await attempt('203.0.113.10')).status).toBe(200);
      expect((await attempt('203.0.113.10')).status).toBe(429);
      expect((await attempt('203.0.113.11')).status).toBe(200);
    });

    it('counts an IPv6 client per /64 and an IPv4-mapped address as its IPv4 address', async () => {
      const attempt = (client: string) =>
        request(t, 'POST', '/api/auth/login', {
          body: { email: owner.email, password: owner.password },
          headers: { 'x-tenant-id': owner.organization.subdomain, 'x-forwarded-for': client },
        });
      for (const client of ['2001:db8:9:9::1', '2001:db8:9:9::2', '2001:db8:9:9:ffff::3'])
        expect((await attempt(client)).status).toBe(200);
      expect((await attempt('2001:db8:9:9::4')).status).toBe(429);
      expect((await attempt('2001:db8:9:a::1')).status).toBe(200);

      for (const client of ['203.0.113.20', '::ffff:203.0.113.20', '203.0.113.20'])
        expect((await attempt(client)).status).toBe(200);
      expect((await attempt('::ffff:203.0.113.20')).status).toBe(429);
    });
  });
});
