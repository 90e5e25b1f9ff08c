import {
  type AuthData,
  bearer,
  login,
  me,
  PASSWORD,
  refreshInBody,
  register,
  type Registered,
  request,
  tokensOf,
} from '../support/api-client';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster';
import { createSuperuser, createUser, type Tenant } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

const MAX_FAILURES = 3;

/**
 * The session flows over HTTP on an app whose key-value store and job queue are a private
 * three-node Redis Cluster. The cluster refuses any script or command naming keys of two slots,
 * so each flow here also proves that its keys share its organization's slot.
 */
describe('sessions on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let t: TestApp;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    t = await startTestApp({
      env: {
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: cluster.nodes,
        LOGIN_MAX_FAILURES: String(MAX_FAILURES),
        AUTH_IP_RATE_LIMIT: '1000',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  const signIn = async (owner: Registered): Promise<{ access: string; refresh: string }> => {
    const tokens = tokensOf(
      await login(t, owner.organization.subdomain, owner.email, owner.password, {
        refreshTokenInBody: true,
      }),
    );
    return { access: tokens.accessToken, refresh: tokens.refreshToken! };
  };

  it('runs on the cluster, and is ready', async () => {
    expect(t.config.redis.connection?.kind).toBe('cluster');
    const ready = await request(t, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
  });

  it('logs in, serves /me, refreshes, and ends the session on reuse of a rotated token', async () => {
    const owner = await register(t);
    const device = await signIn(owner);
    expect((await me(t, device.access)).status).toBe(200);
    const first = tokensOf(await refreshInBody(t, device.refresh));
    const rotated = tokensOf(await refreshInBody(t, first.refreshToken!));
    expect((await me(t, rotated.accessToken)).status).toBe(200);
    // Two rotations back, past the grace of the immediately previous token: reuse.
    expect((await refreshInBody(t, device.refresh)).status).toBe(401);
    expect((await refreshInBody(t, rotated.refreshToken!)).status).toBe(401);
    expect((await me(t, rotated.accessToken)).status).toBe(401);
  });

  it('lists sessions, logs out one device, and logs out everywhere', async () => {
    const owner = await register(t);
    const [laptop, phone, tablet] = [await signIn(owner), await signIn(owner), await signIn(owner)];
    const listed = await request<{ id: string }[]>(t, 'GET', '/api/auth/sessions', {
      headers: bearer(laptop.access),
    });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(4);

    const logout = await request(t, 'POST', '/api/auth/logout', {
      body: {},
      headers: bearer(laptop.access),
    });
    expect(logout.status).toBe(200);
    expect((await me(t, laptop.access)).status).toBe(401);
    expect((await refreshInBody(t, laptop.refresh)).status).toBe(401);
    expect((await me(t, phone.access)).status).toBe(200);

    const everywhere = await request(t, 'POST', '/api/auth/logout-all', {
      body: {},
      headers: bearer(phone.access),
    });
    expect(everywhere.status).toBe(200);
    for (const device of [phone, tablet]) {
      expect((await me(t, device.access)).status).toBe(401);
      expect((await refreshInBody(t, device.refresh)).status).toBe(401);
    }
    expect((await me(t, owner.tokens.accessToken)).status).toBe(401);
  });

  it('shows a role change on the next request, and disabling a user ends their sessions', async () => {
    const owner = await register(t);
    const tenant: Tenant = {
      id: owner.organization.id,
      subdomain: owner.organization.subdomain,
      owner: {
        id: owner.user.id,
        email: owner.email,
        password: PASSWORD,
        subdomain: owner.organization.subdomain,
        token: owner.tokens.accessToken,
        sessionId: '',
      },
      marker: owner.organization.subdomain,
    };
    const staff = await createUser(t, tenant, ['staff']);
    expect((await me(t, staff.token)).body.data.user.roles).toEqual(['staff']);
    const changed = await request(t, 'PATCH', `/api/users/${staff.id}`, {
      token: tenant.owner.token,
      body: { roles: ['client'] },
    });
    expect(changed.status).toBe(200);
    expect((await me(t, staff.token)).body.data.user.roles).toEqual(['client']);

    const disabled = await request(t, 'PATCH', `/api/users/${staff.id}`, {
      token: tenant.owner.token,
      body: { status: 'disabled' },
    });
    expect(disabled.status).toBe(200);
    expect((await me(t, staff.token)).status).toBe(401);
  });

  it('locks an account out after too many failures, then refuses even the right password', async () => {
    const owner = await register(t);
    const { subdomain } = owner.organization;
    for (let attempt = 0; attempt < MAX_FAILURES; attempt += 1)
      expect((await login(t, subdomain, owner.email, 'Wrong-Pass-for-tests')).status).toBe(401);
    const locked = await login(t, subdomain, owner.email, owner.password);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('serves platform sessions from their own slot: superuser login, /me and refresh', async () => {
    const root = await createSuperuser(t);
    expect((await me(t, root.token)).status).toBe(200);
    const signedIn = await request<AuthData>(t, 'POST', '/api/auth/superuser/login', {
      body: { email: root.email, password: root.password, refreshTokenInBody: true },
    });
    const rotated = await refreshInBody(t, tokensOf(signedIn).refreshToken!);
    expect(rotated.status).toBe(200);
    expect(tokensOf(rotated).refreshToken!.startsWith('platform.')).toBe(true);
  });
});
