import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { me, request } from '../support/api-client';
import {
  type Account,
  createRole,
  createSuperuser,
  createTenant,
  createUser,
  logIn,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { decodeClaims } from '../support/tokens';

/**
 * Platform access comes from the platform token alone. A tenant can name its roles anything,
 * so no role name, whatever it is, may open a platform route; and a platform token never acts
 * inside a tenant.
 */
describe('platform principals are a kind of their own, not a role name', () => {
  let t: TestApp;
  let root: Account;
  let acme: Tenant;
  let globex: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    root = await createSuperuser(t);
    acme = await createTenant(t, 'acme');
    globex = await createTenant(t, 'globex');
  });
  afterAll(async () => {
    await t.close();
  });

  const platformCalls = (token: string) => [
    request(t, 'GET', '/api/organizations', { token }),
    request(t, 'PATCH', `/api/organizations/${globex.id}`, {
      token,
      body: { status: 'suspended' },
    }),
  ];

  /**
   * The escalation as a tenant admin would run it: a custom role that ends up named like the
   * platform's (renamed in SQL, as a row from before names were reserved would be), assigned to
   * themselves, then a fresh login so the token and identity carry the role name.
   */
  it.each(['superuser', 'SuperUser', 'platform', 'root'])(
    'a tenant admin holding a role named "%s" gets 403 on every platform route',
    async (roleName) => {
      const attacker = await createTenant(t, 'attacker');
      const role = await createRole(t, attacker, ['users.read']);
      await t.app
        .get(DataSource)
        .query('UPDATE roles SET name = ? WHERE id = ?', [roleName, role.id]);
      const assigned = await request(t, 'PATCH', `/api/users/${attacker.owner.id}`, {
        token: attacker.owner.token,
        body: { roles: ['admin', roleName] },
      });
      // Whether or not the API lets the name through, the token must not open platform routes.
      const session = await logIn(t, attacker.owner);
      const profile = await me(t, session.token);
      expect(profile.status).toBe(200);
      if (assigned.status === 200) {
        expect(profile.body.data.user.roles).toContain(roleName);
      }
      for (const result of await Promise.all(platformCalls(session.token))) {
        expect(result.status).toBe(403);
        expect(result.body.error).toBe('FORBIDDEN');
      }
      const globexNow = await request(t, 'GET', '/api/organizations', { token: root.token });
      const listed = globexNow.json<{ id: string; status: string }[]>().data;
      expect(listed.find((organization) => organization.id === globex.id)?.status).toBe('active');
    },
  );

  it('a tenant user with every permission still gets 403 on platform routes', async () => {
    const everything = await createUser(t, acme, ['admin']);
    for (const result of await Promise.all(platformCalls(everything.token)))
      expect(result.status).toBe(403);
  });

  it('the superuser token is a platform token: its own type, no organization claim', async () => {
    const claims = decodeClaims(root.token);
    expect(claims.typ).toBe('platform');
    expect(claims.organizationId).toBeUndefined();
    expect(decodeClaims(acme.owner.token).typ).toBe('access');
    const listed = await request(t, 'GET', '/api/organizations?limit=1', { token: root.token });
    expect(listed.status).toBe(200);
  });

  it('a platform token holds no tenant permission, even naming a tenant', async () => {
    for (const [method, path] of [
      ['GET', '/api/users'],
      ['GET', '/api/roles'],
      ['GET', '/api/products'],
      ['GET', '/api/audit-logs'],
      ['GET', '/api/organizations/current'],
    ] as const) {
      const result = await request(t, method, path, {
        token: root.token,
        headers: { 'x-tenant-id': acme.subdomain },
      });
      expect({ path, status: result.status }).toEqual({ path, status: 403 });
    }
  });

  describe('validly signed tokens that mix the kinds are refused', () => {
    const signed = (payload: Record<string, unknown>) =>
      sign({ jti: randomUUID(), ...payload }, t.config.jwt.secret, {
        algorithm: 'HS256',
        issuer: t.config.jwt.issuer,
        audience: t.config.jwt.audience,
        expiresIn: 60,
      });

    it('control: the same recipe with nothing mixed is accepted', async () => {
      const tenant = decodeClaims(acme.owner.token);
      const platform = decodeClaims(root.token);
      const tenantToken = signed({
        sub: tenant.sub,
        sid: tenant.sid,
        organizationId: tenant.organizationId,
        typ: 'access',
      });
      expect((await me(t, tenantToken)).status).toBe(200);
      expect(
        (await me(t, signed({ sub: platform.sub, sid: platform.sid, typ: 'platform' }))).status,
      ).toBe(200);
    });

    it('a tenant-type token naming the platform as its organization', async () => {
      const platform = decodeClaims(root.token);
      const forged = signed({
        sub: platform.sub,
        sid: platform.sid,
        organizationId: 'platform',
        typ: 'access',
      });
      expect((await me(t, forged)).status).toBe(401);
      expect((await request(t, 'GET', '/api/organizations', { token: forged })).status).toBe(401);
    });

    it('a platform-type token over a tenant session, or carrying an organization', async () => {
      const tenant = decodeClaims(acme.owner.token);
      const overTenant = signed({ sub: tenant.sub, sid: tenant.sid, typ: 'platform' });
      expect((await me(t, overTenant)).status).toBe(401);
      expect((await request(t, 'GET', '/api/organizations', { token: overTenant })).status).toBe(
        401,
      );
      const platform = decodeClaims(root.token);
      const withOrganization = signed({
        sub: platform.sub,
        sid: platform.sid,
        organizationId: acme.id,
        typ: 'platform',
      });
      expect((await me(t, withOrganization)).status).toBe(401);
    });
  });
});
