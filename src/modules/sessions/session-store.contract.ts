import { randomUUID } from 'node:crypto';
import { type AppConfig, loadConfig } from '../../config/app-config';
import type { CachedIdentity } from '../../context/identity';
import { PLATFORM_ID } from '../../context/platform';
import type { KeyValueStore, KvScript } from '../../kv/kv-store';
import type { OrganizationsRepository } from '../organizations/organizations.repository';
import type { Organization } from '../organizations/organization.entity';
import type { SuperusersRepository } from '../platform/superusers.repository';
import type { User } from '../users/user.entity';
import type { UsersRepository } from '../users/users.repository';
import type { SystemScope } from '../../tenancy/system-scope.service';
import { IdentityService } from './identity.service';
import { SessionKeys } from './session-keys';
import { SessionService } from './session.service';

/**
 * What the session store guarantees on every key-value adapter, against the real store (Redis in
 * the mysql int-spec, the in-process store in the unit spec). Lifetimes are a few hundred
 * milliseconds so that expiry is real on both adapters and the suite stays fast.
 */

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function configWith(lifetimes: Partial<AppConfig['jwt']>): AppConfig {
  const config = loadConfig({});
  return { ...config, jwt: { ...config.jwt, ...lifetimes } };
}

function identity(organizationId: string, userId: string, roles: string[]): CachedIdentity {
  const at = new Date(0).toISOString();
  return {
    user: {
      id: userId,
      email: `${userId}@example.test`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      status: 'active',
      roles,
      emailVerifiedAt: null,
      mfaEnabled: false,
      lastLoginAt: null,
      createdAt: at,
      updatedAt: at,
    },
    organization: {
      id: organizationId,
      name: 'Org',
      subdomain: 'org',
      status: 'active',
      mfaRequired: 'off',
    },
    permissions: [],
  };
}

/** Every member of a user's session index, expired or not (test-only view). */
const LIST_INDEX: KvScript<string[]> = {
  name: 'contract-list-index',
  lua: `return redis.call('ZRANGE', KEYS[1], 0, -1)`,
  local: (tx, [key]) => tx.sortedMembers(key),
};

export function describeSessionStore(
  name: string,
  createStore: () => KeyValueStore | Promise<KeyValueStore>,
): void {
  describe(`session store on ${name}`, () => {
    let kv: KeyValueStore;
    const organizationId = randomUUID();
    const device = { userAgent: 'contract/1.0', ip: '192.0.2.1' };
    const serviceWith = (lifetimes: Partial<AppConfig['jwt']> = {}) =>
      new SessionService(kv, configWith(lifetimes));
    const tokenOf = (session: { id: string; userId: string }) => ({
      tokenId: randomUUID(),
      sessionId: session.id,
      organizationId,
      userId: session.userId,
    });

    beforeAll(async () => {
      kv = await createStore();
    });
    afterAll(async () => {
      await kv.close();
    });

    it('keeps a session refreshed past the refresh lifetime in its index: logout-all still ends it', async () => {
      const sessions = serviceWith({ refreshTtlSeconds: 0.4 });
      const userId = randomUUID();
      let { session, refreshToken } = await sessions.create(userId, organizationId, device);
      for (let round = 0; round < 5; round += 1) {
        await sleep(150);
        const rotation = await sessions.rotate(refreshToken);
        if (rotation.outcome !== 'rotated') throw new Error(`round ${round}: ${rotation.outcome}`);
        ({ session, refreshToken } = rotation);
      }
      expect(
        (await sessions.listForUser(organizationId, userId)).map((listed) => listed.id),
      ).toEqual([session.id]);
      expect(await sessions.endAll(organizationId, userId)).toBe(1);
      expect(await sessions.rotate(refreshToken)).toEqual({ outcome: 'invalid' });
      expect((await sessions.checkAccess(tokenOf(session), 'tenant')).state).toBe('ended');
      expect(await sessions.listForUser(organizationId, userId)).toEqual([]);
    });

    it('refuses to refresh past the absolute lifetime, and no key outlives it', async () => {
      const sessions = serviceWith({ refreshTtlSeconds: 0.4, sessionMaxAgeSeconds: 0.7 });
      const userId = randomUUID();
      let { session, refreshToken } = await sessions.create(userId, organizationId, device);
      const deadline = session.createdAt + 700;
      for (let round = 0; round < 2; round += 1) {
        await sleep(200);
        const rotation = await sessions.rotate(refreshToken);
        if (rotation.outcome !== 'rotated') throw new Error(`round ${round}: ${rotation.outcome}`);
        ({ session, refreshToken } = rotation);
        expect(session.expiresAt).toBeLessThanOrEqual(deadline);
        for (const key of [
          SessionKeys.session(organizationId, session.id),
          SessionKeys.refresh(organizationId, session.id),
          SessionKeys.userSessions(organizationId, userId),
        ])
          expect(Date.now() + (await kv.ttl(key)) * 1000).toBeLessThanOrEqual(deadline + 20);
      }
      await sleep(Math.max(0, deadline - Date.now()) + 30);
      expect(await sessions.rotate(refreshToken)).toEqual({ outcome: 'invalid' });
      expect(await sessions.listForUser(organizationId, userId)).toEqual([]);
    });

    it('ends a session left idle, while requests and refreshes keep an active one alive', async () => {
      const sessions = serviceWith({ refreshTtlSeconds: 5, sessionIdleTimeoutSeconds: 0.4 });
      const [activeUser, idleUser] = [randomUUID(), randomUUID()];
      const active = (await sessions.create(activeUser, organizationId, device)).session;
      const idle = await sessions.create(idleUser, organizationId, device);
      for (let round = 0; round < 5; round += 1) {
        await sleep(150);
        expect((await sessions.checkAccess(tokenOf(active), 'tenant')).state).not.toBe('ended');
      }
      expect((await sessions.checkAccess(tokenOf(idle.session), 'tenant')).state).toBe('ended');
      expect(await sessions.rotate(idle.refreshToken)).toEqual({ outcome: 'invalid' });
      expect(await sessions.listForUser(organizationId, idleUser)).toEqual([]);
      expect(
        (await sessions.listForUser(organizationId, activeUser)).map((listed) => listed.id),
      ).toEqual([active.id]);
    });

    it("refuses a token naming another user's, organization's or kind's live session", async () => {
      const sessions = serviceWith();
      const { session } = await sessions.create(randomUUID(), organizationId, device);
      const own = tokenOf(session);
      expect((await sessions.checkAccess(own, 'tenant')).state).toBe('miss');
      for (const [token, kind] of [
        [{ ...own, userId: randomUUID() }, 'tenant'],
        [{ ...own, organizationId: randomUUID() }, 'tenant'],
        [own, 'platform'],
      ] as const)
        expect((await sessions.checkAccess(token, kind)).state).toBe('ended');
    });

    it('treats a session stored before sessions had a kind as ended', async () => {
      const sessions = serviceWith();
      const { session, refreshToken } = await sessions.create(randomUUID(), organizationId, device);
      const { kind: _kind, ...legacy } = session;
      await kv.set(SessionKeys.session(organizationId, session.id), JSON.stringify(legacy), 60);
      expect((await sessions.checkAccess(tokenOf(session), 'tenant')).state).toBe('ended');
      expect(await sessions.rotate(refreshToken)).toEqual({ outcome: 'invalid' });
    });

    it('ends every session but the one kept, atomically, and only live ones count', async () => {
      const sessions = serviceWith();
      const userId = randomUUID();
      const [kept, ...others] = await Promise.all(
        [1, 2, 3].map(() => sessions.create(userId, organizationId, device)),
      );
      expect(await sessions.end(organizationId, userId, others[0].session.id)).toBe(true);
      expect(await sessions.end(organizationId, userId, others[0].session.id)).toBe(false);
      expect(await sessions.endAll(organizationId, userId, kept.session.id)).toBe(1);
      expect(
        (await sessions.listForUser(organizationId, userId)).map((listed) => listed.id),
      ).toEqual([kept.session.id]);
      expect(await sessions.rotate(others[1].refreshToken)).toEqual({ outcome: 'invalid' });
    });

    it('ends a session opened while logout-all runs, and lists one opened while listing', async () => {
      const sessions = serviceWith();
      const userId = randomUUID();
      const first = await sessions.create(userId, organizationId, device);
      let late: Promise<unknown> | null = null;
      // A login lands between two runs of the index scripts: right after the first one answers.
      const racing: KeyValueStore = Object.create(kv) as KeyValueStore;
      racing.runScript = async (script, keys, args) => {
        const reply = await kv.runScript(script, keys, args);
        late ??= sessions.create(userId, organizationId, device);
        await late;
        return reply;
      };
      const racer = new SessionService(racing, configWith({}));
      expect(await racer.listForUser(organizationId, userId)).toHaveLength(2);
      late = null;
      expect(await racer.endAll(organizationId, userId)).toBe(3);
      expect(await sessions.listForUser(organizationId, userId)).toEqual([]);
      expect(await sessions.rotate(first.refreshToken)).toEqual({ outcome: 'invalid' });
    });

    it('finds a session by the organization its refresh token names, platform sessions too', async () => {
      const sessions = serviceWith();
      const tenant = await sessions.create(randomUUID(), organizationId, device);
      const [, sessionId, secret] = tenant.refreshToken.split('.');
      for (const forged of [`${randomUUID()}.${sessionId}.${secret}`, `${sessionId}.${secret}`])
        expect(await sessions.rotate(forged)).toEqual({ outcome: 'invalid' });
      const platform = await sessions.create(randomUUID(), PLATFORM_ID, device);
      expect(platform.refreshToken.startsWith(`${PLATFORM_ID}.${platform.session.id}.`)).toBe(true);
      expect((await sessions.rotate(platform.refreshToken)).outcome).toBe('rotated');
      expect((await sessions.rotate(tenant.refreshToken)).outcome).toBe('rotated');
    });

    it('takes a session whose refresh token was reused out of the index in the same step', async () => {
      const sessions = serviceWith({ refreshTtlSeconds: 60 });
      const auth = { ...configWith({}).auth, refreshReuseGraceSeconds: 0 };
      const strict = new SessionService(kv, { ...configWith({}), auth });
      const userId = randomUUID();
      const { refreshToken } = await sessions.create(userId, organizationId, device);
      expect((await strict.rotate(refreshToken)).outcome).toBe('rotated');
      await sleep(5);
      expect((await strict.rotate(refreshToken)).outcome).toBe('reuse');
      expect(
        await kv.runScript(LIST_INDEX, [SessionKeys.userSessions(organizationId, userId)], []),
      ).toEqual([]);
    });

    describe('identity cache', () => {
      it('refuses to store an identity read before an invalidation, and stores one read after', async () => {
        const sessions = serviceWith();
        const userId = randomUUID();
        const before = await sessions.identityVersion(organizationId, userId);
        await sessions.invalidateIdentity(organizationId, userId);
        expect(
          await sessions.cacheIdentity(identity(organizationId, userId, ['admin']), before),
        ).toBe(false);
        expect(await kv.get(SessionKeys.sessionCache(organizationId, userId))).toBeNull();
        const after = await sessions.identityVersion(organizationId, userId);
        expect(
          await sessions.cacheIdentity(identity(organizationId, userId, ['client']), after),
        ).toBe(true);
      });

      it('a rebuild racing an invalidation never stores the pre-invalidation roles', async () => {
        const sessions = serviceWith();
        const userId = randomUUID();
        let roles = ['admin'];
        const organization = {
          id: organizationId,
          name: 'Org',
          subdomain: 'org',
          status: 'active',
        } as Organization;
        const at = new Date(0);
        const users = {
          // The database read of the rebuild: an admin demotes the user while it is in flight.
          findByIdWithRoles: async (): Promise<User> => {
            const read = roles;
            roles = ['client'];
            await sessions.invalidateIdentity(organizationId, userId);
            return {
              id: userId,
              email: `${userId}@example.test`,
              firstName: 'Ada',
              lastName: 'Lovelace',
              status: 'active',
              roles: read.map((role) => ({ name: role, permissions: [] })),
              emailVerifiedAt: null,
              lastLoginAt: null,
              createdAt: at,
              updatedAt: at,
            } as unknown as User;
          },
        } as unknown as UsersRepository;
        const organizations = {
          findById: async () => organization,
        } as unknown as OrganizationsRepository;
        const systemScope = {
          asTenant: <T>(_tenant: unknown, _reason: string, work: () => Promise<T>) => work(),
        } as unknown as SystemScope;
        const identities = new IdentityService(
          sessions,
          users,
          organizations,
          {} as SuperusersRepository,
          systemScope,
        );
        const check = await sessions.checkAccess(
          tokenOf((await sessions.create(userId, organizationId, device)).session),
          'tenant',
        );
        if (check.state !== 'miss') throw new Error(`expected a cache miss, got ${check.state}`);
        const served = await identities.rebuild(organizationId, userId, check.version);
        expect(served?.user.roles).toEqual(['admin']);
        expect(await kv.get(SessionKeys.sessionCache(organizationId, userId))).toBeNull();
      });
    });
  });
}
