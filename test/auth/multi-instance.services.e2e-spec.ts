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
import { sessionIdOfAccessToken } from '../support/tokens';

/**
 * Two API processes' worth of apps on two ports, sharing one MariaDB database and one Redis
 * key space, as behind a load balancer. Whatever ends or changes access on one instance must
 * be enforced by the other on the very next request. (The embedded store is per-process, so
 * this only runs against MariaDB + Redis.)
 */
describe('two API instances sharing MariaDB and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let owner: Registered;

  beforeAll(async () => {
    a = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '1000' } });
    b = await startTestApp({
      database: a.database,
      env: { REDIS_KEY_PREFIX: a.config.redis.keyPrefix, AUTH_IP_RATE_LIMIT: '1000' },
    });
    owner = await register(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('runs on two ports with one key space', () => {
    expect(a.baseUrl).not.toBe(b.baseUrl);
    expect(b.config.redis.keyPrefix).toBe(a.config.redis.keyPrefix);
  });

  async function signIn(
    on: TestApp,
    who: { organization: { subdomain: string }; email: string },
    password: string,
  ): Promise<AuthData['tokens']> {
    const response = await login(on, who.organization.subdomain, who.email, password, {
      refreshTokenInBody: true,
    });
    expect(response.status).toBe(200);
    return response.json<AuthData>().data.tokens;
  }

  it('a session started on A works on B, and a refresh token issued by A rotates on B', async () => {
    const tokens = await signIn(a, owner, owner.password);
    expect((await me(b, tokens.accessToken)).status).toBe(200);
    const rotated = await request(b, 'POST', '/api/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    });
    expect(rotated.status).toBe(200);
    // The token A issued is now rotated everywhere: replaying it on A after the grace window would be reuse;
    // inside it, A hands out the very successor B did.
    const replay = await request(a, 'POST', '/api/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    });
    expect(replay.status).toBe(200);
    expect(replay.json<AuthData>().data.tokens.refreshToken).toBe(
      rotated.json<AuthData>().data.tokens.refreshToken,
    );
  });

  it('a logout on A is refused on B at once', async () => {
    const tokens = await signIn(a, owner, owner.password);
    expect((await me(b, tokens.accessToken)).status).toBe(200);
    expect(
      (
        await request(a, 'POST', '/api/auth/logout', {
          body: {},
          headers: bearer(tokens.accessToken),
        })
      ).status,
    ).toBe(200);
    expect((await me(b, tokens.accessToken)).status).toBe(401);
    expect(
      (
        await request(b, 'POST', '/api/auth/refresh', {
          body: { refreshToken: tokens.refreshToken },
        })
      ).status,
    ).toBe(401);
  });

  it('ending a session on B is refused on A at once', async () => {
    const keep = await signIn(b, owner, owner.password);
    const doomed = await signIn(a, owner, owner.password);
    const ended = await request(
      b,
      'DELETE',
      `/api/auth/sessions/${sessionIdOfAccessToken(doomed.accessToken)}`,
      { headers: bearer(keep.accessToken) },
    );
    expect(ended.status).toBe(200);
    expect((await me(a, doomed.accessToken)).status).toBe(401);
    expect((await me(a, keep.accessToken)).status).toBe(200);
  });

  it('logout-all on B ends the sessions A issued', async () => {
    const first = await signIn(a, owner, owner.password);
    const second = await signIn(a, owner, owner.password);
    expect(
      (
        await request(b, 'POST', '/api/auth/logout-all', {
          body: {},
          headers: bearer(first.accessToken),
        })
      ).status,
    ).toBe(200);
    expect((await me(a, first.accessToken)).status).toBe(401);
    expect((await me(a, second.accessToken)).status).toBe(401);
  });

  describe('changes to a user made through A', () => {
    let staff: { id: string; email: string; organization: { subdomain: string } };
    let admin: string;
    const staffPassword = 'Staff-member-pass-5150';

    beforeAll(async () => {
      admin = (await signIn(a, owner, owner.password)).accessToken;
      const email = `staff@${owner.organization.subdomain}.test`;
      const created = await request(a, 'POST', '/api/users', {
        body: {
          email,
          password: staffPassword,
          firstName: 'Grace',
          lastName: 'Hopper',
          roles: ['staff'],
        },
        headers: bearer(admin),
      });
      expect(created.status).toBe(201);
      staff = {
        id: created.json<{ id: string }>().data.id,
        email,
        organization: owner.organization,
      };
    });

    it('a role change made through A is enforced by B on the next request', async () => {
      const tokens = await signIn(b, staff, staffPassword);
      // Warm B's view: the staff role holds users.read.
      expect(
        (await request(b, 'GET', '/api/users', { headers: bearer(tokens.accessToken) })).status,
      ).toBe(200);
      expect((await me(b, tokens.accessToken)).json<AuthData>().data.user.roles).toEqual(['staff']);

      const changed = await request(a, 'PATCH', `/api/users/${staff.id}`, {
        headers: { 'content-type': 'application/json', ...bearer(admin) },
        body: { roles: ['client'] },
      });
      expect(changed.status).toBe(200);

      const refused = await request(b, 'GET', '/api/users', {
        headers: bearer(tokens.accessToken),
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('FORBIDDEN');
      expect((await me(b, tokens.accessToken)).json<AuthData>().data.user.roles).toEqual([
        'client',
      ]);

      // And back: granting is seen just as fast.
      const restored = await request(a, 'PATCH', `/api/users/${staff.id}`, {
        headers: { 'content-type': 'application/json', ...bearer(admin) },
        body: { roles: ['staff'] },
      });
      expect(restored.status).toBe(200);
      expect(
        (await request(b, 'GET', '/api/users', { headers: bearer(tokens.accessToken) })).status,
      ).toBe(200);
    });

    it('disabling the user through A locks them out of B at once', async () => {
      const tokens = await signIn(b, staff, staffPassword);
      expect((await me(b, tokens.accessToken)).status).toBe(200);
      const disabled = await request(a, 'PATCH', `/api/users/${staff.id}`, {
        headers: { 'content-type': 'application/json', ...bearer(admin) },
        body: { status: 'disabled' },
      });
      expect(disabled.status).toBe(200);
      expect((await me(b, tokens.accessToken)).status).toBe(401);
      expect(
        (
          await request(b, 'POST', '/api/auth/refresh', {
            body: { refreshToken: tokens.refreshToken },
          })
        ).status,
      ).toBe(401);
      expect(
        (await login(b, staff.organization.subdomain, staff.email, staffPassword)).status,
      ).toBe(401);
    });
  });
});
