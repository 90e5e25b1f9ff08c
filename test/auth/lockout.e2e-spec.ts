import { DataSource, IsNull } from 'typeorm';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { SuperusersRepository } from '../../src/modules/platform/superusers.repository';
import { canonicalEmail } from '../../src/security/email';
import { PasswordHasher } from '../../src/security/password-hasher.service';
import {
  bearer,
  newSubdomain,
  PASSWORD,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

const WRONG = 'Wrong-Pass-for-tests';
const CLIENT_LIMIT = 5; // LOGIN_MAX_FAILURES default
const ACCOUNT_LIMIT = 12;
const WINDOW_SECONDS = 900; // LOGIN_FAILURE_WINDOW default

/** A fresh documentation-range IPv4 address per call, so tests never share a client. */
let lastOctets = 0;
function freshIp(): string {
  lastOctets += 1;
  return `198.51.${Math.floor(lastOctets / 250)}.${(lastOctets % 250) + 1}`;
}

describe('login lockout per client and per account', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        TRUST_PROXY: '127.0.0.1',
        AUTH_IP_RATE_LIMIT: '100000',
        LOGIN_ACCOUNT_MAX_FAILURES: String(ACCOUNT_LIMIT),
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const loginFrom = (client: string, account: Registered, password: string) =>
    request(t, 'POST', '/api/auth/login', {
      body: { email: account.email, password },
      headers: { 'x-tenant-id': account.organization.subdomain, 'x-forwarded-for': client },
    });

  const lockRows = async (organizationId: string) =>
    (
      await t.app
        .get(DataSource)
        .getRepository(AuditLog)
        .find({ where: { action: 'auth.login.locked', organizationId } })
    ).map((row) => row.metadata?.lock);

  it('an attacker locked out at one address does not lock the owner out from another', async () => {
    const owner = await register(t);
    const attacker = freshIp();
    for (let attempt = 1; attempt <= CLIENT_LIMIT; attempt += 1)
      expect((await loginFrom(attacker, owner, WRONG)).status).toBe(401);
    // Refused attempts do not count against the account: these alone would pass ACCOUNT_LIMIT.
    for (let attempt = 1; attempt <= ACCOUNT_LIMIT * 2; attempt += 1)
      expect((await loginFrom(attacker, owner, WRONG)).status).toBe(429);
    expect((await loginFrom(attacker, owner, owner.password)).status).toBe(429);

    expect((await loginFrom(freshIp(), owner, owner.password)).status).toBe(200);
    expect(await lockRows(owner.organization.id)).toEqual(['client']);
  });

  it('the account-wide limit locks the account for everyone, with 429 and Retry-After, audited once', async () => {
    const owner = await register(t);
    // Spread over clients that each stay under their own limit.
    for (let attempt = 1; attempt <= ACCOUNT_LIMIT; attempt += 1)
      expect((await loginFrom(freshIp(), owner, WRONG)).status).toBe(401);

    for (const client of [freshIp(), freshIp()]) {
      const locked = await loginFrom(client, owner, owner.password);
      expect(locked.status).toBe(429);
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(locked.headers.getSetCookie()).toEqual([]);
    }
    expect(await lockRows(owner.organization.id)).toEqual(['account']);
  });

  it("the owner's own logins do not add up to the account-wide limit, nor wipe others' failures", async () => {
    const owner = await register(t);
    for (let attempt = 1; attempt < ACCOUNT_LIMIT; attempt += 1)
      expect((await loginFrom(freshIp(), owner, WRONG)).status).toBe(401);
    const home = freshIp();
    for (let login = 1; login <= 3; login += 1)
      expect((await loginFrom(home, owner, owner.password)).status).toBe(200);
    expect((await loginFrom(freshIp(), owner, WRONG)).status).toBe(401);
    expect((await loginFrom(home, owner, owner.password)).status).toBe(429);
  });

  it('parallel guesses from many addresses cannot slip past the account-wide limit', async () => {
    const owner = await register(t);
    const responses = await Promise.all(
      Array.from({ length: 30 }, () => loginFrom(freshIp(), owner, WRONG)),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(ACCOUNT_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - ACCOUNT_LIMIT);
  });

  it('IPv6 clients are counted per /64, and an IPv4-mapped address as its IPv4 address', async () => {
    const owner = await register(t);
    const sameNetwork = ['2001:db8:5:6::1', '2001:db8:5:6:abcd::2', '2001:db8:5:6:ffff:ffff:0:3'];
    for (let attempt = 0; attempt < CLIENT_LIMIT; attempt += 1)
      expect((await loginFrom(sameNetwork[attempt % 3], owner, WRONG)).status).toBe(401);
    expect((await loginFrom('2001:db8:5:6::99', owner, owner.password)).status).toBe(429);
    expect((await loginFrom('2001:db8:5:7::1', owner, owner.password)).status).toBe(200);

    const other = await register(t);
    const ipv4 = freshIp();
    for (let attempt = 0; attempt < CLIENT_LIMIT; attempt += 1) {
      const client = attempt % 2 === 0 ? ipv4 : `::ffff:${ipv4}`;
      expect((await loginFrom(client, other, WRONG)).status).toBe(401);
    }
    expect((await loginFrom(ipv4, other, other.password)).status).toBe(429);
    expect((await loginFrom(`::ffff:${ipv4}`, other, other.password)).status).toBe(429);
  });

  it('applies to platform superusers: one locked-out address leaves the operator in', async () => {
    const email = `root-${newSubdomain()}@platform.test`;
    const hash = await t.app.get(PasswordHasher).hash(PASSWORD);
    await t.app.get(SuperusersRepository).upsert(canonicalEmail(email), hash);
    const superLogin = (client: string, password: string) =>
      request(t, 'POST', '/api/auth/superuser/login', {
        body: { email, password },
        headers: { 'x-forwarded-for': client },
      });

    const attacker = freshIp();
    for (let attempt = 1; attempt <= CLIENT_LIMIT; attempt += 1)
      expect((await superLogin(attacker, WRONG)).status).toBe(401);
    expect((await superLogin(attacker, PASSWORD)).status).toBe(429);
    expect((await superLogin(freshIp(), PASSWORD)).status).toBe(200);

    // The attacker's counted failures stay; the rest of the account-wide budget goes elsewhere.
    for (let attempt = CLIENT_LIMIT + 1; attempt <= ACCOUNT_LIMIT; attempt += 1)
      expect((await superLogin(freshIp(), WRONG)).status).toBe(401);
    expect((await superLogin(freshIp(), PASSWORD)).status).toBe(429);
    const locks = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({ where: { action: 'auth.login.locked', organizationId: IsNull() } });
    // One row per lock; rows written within the same millisecond have no defined order.
    expect(
      locks
        .filter((row) => row.metadata?.email === email)
        .map((row) => String(row.metadata?.lock))
        .sort(),
    ).toEqual(['account', 'client']);
  });

  it('change-password guesses with a stolen token stop at the strict limit from any address', async () => {
    const owner = await register(t);
    const guess = (currentPassword: string) =>
      request(t, 'POST', '/api/auth/change-password', {
        body: { currentPassword, newPassword: 'A-fresh-and-long-pass' },
        headers: bearer(owner.tokens.accessToken, { 'x-forwarded-for': freshIp() }),
      });
    for (let attempt = 0; attempt < CLIENT_LIMIT; attempt += 1)
      expect((await guess(`${WRONG}-${attempt}`)).status).toBe(400);
    expect((await guess(owner.password)).status).toBe(429);
  });
});
