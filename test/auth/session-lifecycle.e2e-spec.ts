import { PASSWORD, request } from '../support/api-client';
import {
  login,
  checkAll,
  createOrg,
  LIFETIME_ENV,
  liveness,
  type ModelOrg,
  type ModelSession,
  type ModelUser,
  ownerToken,
  refresh,
  rotated,
  surelyLive,
} from '../support/session-model';
import { createSuperuser } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';
import { sleep } from '../support/time';
import { decodeClaims, handcraftedJwt } from '../support/tokens';

/**
 * A session ends when it is ended, however often it was refreshed: random but reproducible
 * sequences of logins, refreshes (also past the refresh lifetime and up to the absolute
 * lifetime), logouts, logout-all, password changes, user deactivation and reactivation and
 * organization suspension, each followed by a full check of the model against the API.
 * Rerun a failing sequence with SESSION_LIFECYCLE_SEED=<seed from the failure message>.
 */

/** mulberry32: a small seeded generator, so that a failing sequence can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function expectStatus(what: string, status: number, expected: number): void {
  if (status !== expected) throw new Error(`${what}: expected ${expected}, got ${status}`);
}

describe('session lifecycle (model-based)', () => {
  let t: TestApp;
  let orgs: ModelOrg[];
  let users: ModelUser[];
  let rootAccount: { email: string; password: string };
  let passwordCounter = 0;

  beforeAll(async () => {
    t = await startTestApp({ env: LIFETIME_ENV });
    const root = await createSuperuser(t);
    rootAccount = { email: root.email, password: root.password };
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    orgs = [await createOrg(t, 'alpha', 2), await createOrg(t, 'beta', 1)];
    users = orgs.flatMap((org) => org.users);
  });

  const sessionsOf = (user: ModelUser) => user.sessions;
  const allSessions = () => users.flatMap(sessionsOf);
  const endAllOf = (user: ModelUser, keep?: ModelSession) => {
    for (const session of user.sessions) if (session !== keep) session.ended = true;
  };

  async function rootToken(): Promise<string> {
    const answer = await request(t, 'POST', '/api/auth/superuser/login', { body: rootAccount });
    expectStatus('superuser login', answer.status, 200);
    return (answer.body?.data as { tokens: { accessToken: string } }).tokens.accessToken;
  }

  /** Refreshes and checks the answer against the model, believing it when the model cannot know. */
  async function refreshStep(session: ModelSession): Promise<string> {
    const answer = await refresh(t, session);
    const state = liveness(session, answer.from, answer.to);
    if (answer.status === 200 && state !== 'dead') rotated(session, answer);
    else if (answer.status === 401 && state !== 'live') session.ended = true;
    else throw new Error(`refresh of a ${state} session ${session.id}: ${answer.status}`);
    return `refresh ${session.id} (${state}) → ${answer.status}`;
  }

  async function loginStep(user: ModelUser): Promise<string> {
    const answer = await login(t, user);
    const allowed = user.active && user.org.active;
    if (allowed !== (answer.status === 200))
      throw new Error(`login of ${user.email} (allowed: ${allowed}): ${answer.status}`);
    return `login ${user.email} → ${answer.status}`;
  }

  async function logoutAllStep(session: ModelSession): Promise<string> {
    const answer = await request(t, 'POST', '/api/auth/logout-all', { token: session.access });
    expectStatus(`logout-all of ${session.user.email}`, answer.status, 200);
    endAllOf(session.user);
    return `logout-all ${session.user.email} via ${session.id}`;
  }

  async function setUserStatus(user: ModelUser, active: boolean): Promise<string> {
    const answer = await request(t, 'PATCH', `/api/users/${user.id}`, {
      token: await ownerToken(t, user.org),
      body: { status: active ? 'active' : 'disabled' },
    });
    expectStatus(`status of ${user.email}`, answer.status, 200);
    if (!active) endAllOf(user);
    user.active = active;
    return `${active ? 'reactivate' : 'deactivate'} ${user.email}`;
  }

  async function setOrgStatus(org: ModelOrg, active: boolean): Promise<string> {
    const answer = await request(t, 'PATCH', `/api/organizations/${org.id}`, {
      token: await rootToken(),
      body: { status: active ? 'active' : 'suspended' },
    });
    expectStatus(`status of ${org.subdomain}`, answer.status, 200);
    if (!active) for (const user of org.users) endAllOf(user);
    org.active = active;
    return `${active ? 'reactivate' : 'suspend'} ${org.subdomain}`;
  }

  /** One random step; undefined when the drawn step has nothing to act on. */
  async function randomStep(
    random: () => number,
    waitBudget: { ms: number },
  ): Promise<string | undefined> {
    const pick = <T>(items: T[]): T | undefined =>
      items.length > 0 ? items[Math.floor(random() * items.length)] : undefined;
    const live = allSessions().filter(surelyLive);
    const roll = random();
    if (roll < 0.18) {
      // Mostly users who may log in; now and then one who may not.
      const allowed = users.filter((candidate) => candidate.active && candidate.org.active);
      const user = pick(random() < 0.8 && allowed.length > 0 ? allowed : users);
      return user && loginStep(user);
    }
    if (roll < 0.58) {
      // Mostly sessions that may still be alive, often the oldest (to outlive the refresh
      // lifetime and reach the absolute one); now and then one the model believes expired.
      const candidates = allSessions().filter((candidate) => !candidate.ended);
      const fresh = candidates.filter((candidate) => Date.now() < candidate.expiresHi);
      const oldest = [...fresh].sort((a, b) => a.createdLo - b.createdLo)[0];
      const choice = random();
      const session =
        choice < 0.4 && oldest
          ? oldest
          : pick(choice < 0.9 && fresh.length > 0 ? fresh : candidates);
      return session && refreshStep(session);
    }
    if (roll < 0.61) {
      // A token older than the immediately previous one: reuse, which ends the session.
      const session = pick(
        allSessions().filter((candidate) => !candidate.ended && candidate.retired.length >= 2),
      );
      if (!session) return undefined;
      const answer = await refresh(t, session, session.retired[0]);
      expectStatus(`replay on ${session.id}`, answer.status, 401);
      session.ended = true;
      return `replay an old token of ${session.id}`;
    }
    if (roll < 0.65) {
      const session = pick(live);
      if (!session) return undefined;
      const answer = await request(t, 'POST', '/api/auth/logout', { token: session.access });
      expectStatus(`logout of ${session.id}`, answer.status, 200);
      session.ended = true;
      return `logout ${session.id}`;
    }
    if (roll < 0.69) {
      const session = pick(live);
      return session && logoutAllStep(session);
    }
    if (roll < 0.72) {
      const session = pick(live);
      if (!session) return undefined;
      const next = `${PASSWORD}-${(passwordCounter += 1)}`;
      const answer = await request(t, 'POST', '/api/auth/change-password', {
        token: session.access,
        body: { currentPassword: session.user.password, newPassword: next },
      });
      expectStatus(`change-password of ${session.user.email}`, answer.status, 200);
      session.user.password = next;
      endAllOf(session.user, session);
      return `change-password ${session.user.email} via ${session.id}`;
    }
    if (roll < 0.77) {
      // Disabled users and suspended organizations come back soon, so that sessions accumulate.
      const eligible = users.filter((candidate) => candidate.org.active);
      const disabled = eligible.filter((candidate) => !candidate.active);
      const user = pick(random() < 0.7 && disabled.length > 0 ? disabled : eligible);
      return user && setUserStatus(user, !user.active);
    }
    if (roll < 0.8) {
      const org = orgs.find((candidate) => !candidate.active) ?? pick(orgs);
      return org && setOrgStatus(org, !org.active);
    }
    if (waitBudget.ms <= 0) return undefined;
    const ms = 300 + Math.floor(random() * 500);
    waitBudget.ms -= ms;
    await sleep(ms);
    return `wait ${ms} ms`;
  }

  it('keeps every ended session ended over a random sequence of steps', async () => {
    const seed = Number(process.env.SESSION_LIFECYCLE_SEED ?? Date.now() % 2 ** 31);
    const random = generator(seed);
    const waitBudget = { ms: 14_000 };
    const log: string[] = [];
    try {
      for (let attempt = 0; attempt < 300 && log.length < 80; attempt += 1) {
        const done = await randomStep(random, waitBudget);
        if (!done) continue;
        log.push(done);
        await checkAll(t, users);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `SESSION_LIFECYCLE_SEED=${seed}: ${message}\nafter:\n  ${log.slice(-15).join('\n  ')}`,
        { cause: error },
      );
    }
    expect(log.length).toBeGreaterThan(20);
  }, 60_000);

  it('ends a session refreshed past the refresh lifetime on logout-all', async () => {
    const [user] = users;
    await loginStep(user);
    await loginStep(user);
    const [kept, idle] = user.sessions;
    for (let round = 0; round < 3; round += 1) {
      await sleep(1200);
      await refreshStep(kept);
    }
    expect(Date.now()).toBeGreaterThan(kept.createdHi + 3000);
    expect(liveness(idle, Date.now(), Date.now())).toBe('dead');
    await checkAll(t, users);
    await logoutAllStep(kept);
    await checkAll(t, users);
  }, 20_000);

  it('refuses to refresh past the absolute lifetime, however often refreshed', async () => {
    const [user] = users;
    await loginStep(user);
    const [session] = user.sessions;
    for (let round = 0; round < 3; round += 1) {
      await sleep(1500);
      await refreshStep(session);
      expect(session.ended).toBe(false);
    }
    await sleep(Math.max(0, session.createdHi + 6000 + 400 - Date.now()));
    const answer = await refresh(t, session);
    expect(answer.status).toBe(401);
    session.ended = true;
    await checkAll(t, users);
  }, 20_000);

  it("keeps a reactivated user's and a reactivated organization's old sessions ended", async () => {
    const [first, second] = users;
    await loginStep(first);
    await loginStep(second);
    await setUserStatus(first, false);
    await setUserStatus(first, true);
    await setOrgStatus(first.org, false);
    await setOrgStatus(first.org, true);
    for (const session of [...first.sessions, ...second.sessions]) expect(session.ended).toBe(true);
    await checkAll(t, users);
    await loginStep(first);
    await checkAll(t, users);
  });

  it('refuses a token whose session belongs to another user', async () => {
    const [first, second] = users;
    await loginStep(first);
    await loginStep(second);
    const victim = second.sessions[0];
    const forged = await request(t, 'GET', '/api/auth/me', {
      token: forgedAccessToken(first.sessions[0].access, victim.id),
    });
    expect(forged.status).toBe(401);
    await checkAll(t, users);
  });

  /** The attacker's own valid token with the sid of someone else's live session, signed with the app's secret. */
  function forgedAccessToken(own: string, sessionId: string): string {
    const [header] = own.split('.');
    return handcraftedJwt(
      JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
      { ...decodeClaims(own), sid: sessionId },
      { hmac: 'sha256', secret: t.config.jwt.secret },
    );
  }
});
