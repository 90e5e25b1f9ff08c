import { type ApiResponse, type AuthData, me, PASSWORD, request } from './api-client';
import type { TestApp } from './test-app';
import { sessionIdOfAccessToken } from './tokens';

/**
 * A model of which sessions must be alive, for the session lifecycle property test: what the
 * client did (logins, refreshes, logouts, administrative changes) and when, checked against what
 * the API answers. Lifetimes are real time, so each session's expiry is known only within the
 * interval between sending a request and reading its answer; near that window a session is
 * `unknown` and the test accepts either answer, then believes what it saw.
 */

/** Short lifetimes so that sessions expire within the test. */
export const LIFETIME_ENV = {
  JWT_REFRESH_EXPIRES_IN: '3s',
  SESSION_MAX_AGE: '6s',
  REFRESH_REUSE_GRACE: '1s',
  AUTH_IP_RATE_LIMIT: '1000000',
  // Logins of disabled users count as failures; the sequence must not lock anyone out.
  LOGIN_MAX_FAILURES: '1000',
};
const REFRESH_MS = 3000;
const MAX_AGE_MS = 6000;
/** Clock and timer slack between this process, the app and Redis. */
const MARGIN_MS = 250;

export interface ModelOrg {
  id: string;
  subdomain: string;
  owner: { email: string; password: string };
  active: boolean;
  users: ModelUser[];
}

export interface ModelUser {
  id: string;
  email: string;
  password: string;
  org: ModelOrg;
  active: boolean;
  sessions: ModelSession[];
}

export interface ModelSession {
  id: string;
  user: ModelUser;
  access: string;
  refresh: string;
  /** Refresh tokens this session rotated away, oldest first. */
  retired: string[];
  createdLo: number;
  createdHi: number;
  expiresLo: number;
  expiresHi: number;
  ended: boolean;
}

export type Liveness = 'live' | 'dead' | 'unknown';

/** What the model says of a session over the interval [from, to] of one request. */
export function liveness(session: ModelSession, from: number, to: number): Liveness {
  if (session.ended || from > session.expiresHi + MARGIN_MS) return 'dead';
  return to < session.expiresLo - MARGIN_MS ? 'live' : 'unknown';
}

/** Live with time to spare: safe to act with, e.g. to log out or list sessions. */
export function surelyLive(session: ModelSession): boolean {
  return !session.ended && Date.now() < session.expiresLo - 1000;
}

/** Every answer carries the interval [from, to] in which the API handled it. */
export type Answer<T = unknown> = ApiResponse<T>;

function tokensOf(answer: Answer<AuthData>): { accessToken: string; refreshToken: string } {
  const { accessToken, refreshToken } = answer.body.data.tokens;
  if (!refreshToken) throw new Error(`no refresh token in the body: ${answer.describe()}`);
  return { accessToken, refreshToken };
}

/** Logs a user in; the new session joins the model when the login succeeds. */
export async function login(t: TestApp, user: ModelUser): Promise<Answer<AuthData>> {
  const answer = await request<AuthData>(t, 'POST', '/api/auth/login', {
    body: { email: user.email, password: user.password, refreshTokenInBody: true },
    tenant: user.org.subdomain,
  });
  if (answer.status !== 200) return answer;
  const { accessToken, refreshToken } = tokensOf(answer);
  user.sessions.push({
    id: sessionIdOfAccessToken(accessToken),
    user,
    access: accessToken,
    refresh: refreshToken,
    retired: [],
    createdLo: answer.from,
    createdHi: answer.to,
    expiresLo: answer.from + REFRESH_MS,
    expiresHi: answer.to + REFRESH_MS,
    ended: false,
  });
  return answer;
}

/** Records a successful rotation: new tokens, and an expiry moved but never past the absolute lifetime. */
export function rotated(session: ModelSession, answer: Answer<AuthData>): void {
  const { accessToken, refreshToken } = tokensOf(answer);
  session.retired.push(session.refresh);
  session.access = accessToken;
  session.refresh = refreshToken;
  session.expiresLo = Math.min(answer.from + REFRESH_MS, session.createdLo + MAX_AGE_MS);
  session.expiresHi = Math.min(answer.to + REFRESH_MS, session.createdHi + MAX_AGE_MS);
}

export function refresh(
  t: TestApp,
  session: ModelSession,
  token = session.refresh,
): Promise<Answer<AuthData>> {
  return request<AuthData>(t, 'POST', '/api/auth/refresh', { body: { refreshToken: token } });
}

/** A fresh access token of the organization's owner, for administrative steps. */
export async function ownerToken(t: TestApp, org: ModelOrg): Promise<string> {
  const answer = await request<AuthData>(t, 'POST', '/api/auth/login', {
    body: { ...org.owner, refreshTokenInBody: true },
    tenant: org.subdomain,
  });
  if (answer.status !== 200) throw new Error(`owner login of ${org.subdomain}: ${answer.status}`);
  return tokensOf(answer).accessToken;
}

export async function createOrg(t: TestApp, label: string, users: number): Promise<ModelOrg> {
  const subdomain = `${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const owner = { email: `owner@${subdomain}.test`, password: PASSWORD };
  const registered = await request<AuthData>(t, 'POST', '/api/auth/register', {
    body: {
      organization: { name: `Org ${subdomain}`, subdomain },
      ...owner,
      firstName: 'Ada',
      lastName: 'Owner',
      refreshTokenInBody: true,
    },
  });
  if (registered.status !== 201) throw new Error(`register ${subdomain}: ${registered.status}`);
  const org: ModelOrg = {
    id: registered.body.data.organization.id,
    subdomain,
    owner,
    active: true,
    users: [],
  };
  const token = tokensOf(registered).accessToken;
  for (let index = 0; index < users; index += 1) {
    const email = `user${index}@${subdomain}.test`;
    const created = await request<{ id: string }>(t, 'POST', '/api/users', {
      token,
      body: {
        email,
        password: PASSWORD,
        firstName: 'Sam',
        lastName: `User ${index}`,
        roles: ['staff'],
      },
    });
    if (created.status !== 201) throw new Error(`create ${email}: ${created.status}`);
    const id = created.body.data.id;
    org.users.push({ id, email, password: PASSWORD, org, active: true, sessions: [] });
  }
  return org;
}

/**
 * Asserts the model against the API: every session the model says is ended answers 401 on /me and
 * on refresh, every live one works on /me, and each user's session list holds exactly the live ones
 * (sessions near their expiry may or may not be listed). Throws with the first disagreement.
 */
export async function checkAll(t: TestApp, users: ModelUser[]): Promise<void> {
  const sessions = users.flatMap((user) => user.sessions);
  const problems: string[] = [];
  await Promise.all(
    sessions.map(async (session) => {
      const profile = await me(t, session.access);
      const state = liveness(session, profile.from, profile.to);
      if (state === 'live' && profile.status !== 200)
        problems.push(`live session ${session.id} of ${session.user.email}: /me ${profile.status}`);
      if (state === 'dead' && profile.status !== 401)
        problems.push(
          `ended session ${session.id} of ${session.user.email}: /me ${profile.status}`,
        );
      if (state === 'unknown' && profile.status === 401) session.ended = true;
      if (state !== 'dead') return;
      session.ended = true;
      const refreshed = await refresh(t, session);
      if (refreshed.status !== 401)
        problems.push(
          `ended session ${session.id} of ${session.user.email}: refresh ${refreshed.status}`,
        );
    }),
  );
  await Promise.all(users.map((user) => checkListing(t, user, problems)));
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

async function checkListing(t: TestApp, user: ModelUser, problems: string[]): Promise<void> {
  const viewer = user.sessions.find(surelyLive);
  if (!viewer) return;
  const answer = await request<{ id: string }[]>(t, 'GET', '/api/auth/sessions', {
    token: viewer.access,
  });
  if (answer.status !== 200) {
    problems.push(`session list of ${user.email}: ${answer.status}`);
    return;
  }
  const listed = new Set(answer.body.data.map((session) => session.id));
  for (const session of user.sessions) {
    const state = liveness(session, answer.from, answer.to);
    if (state === 'live' && !listed.has(session.id))
      problems.push(`live session ${session.id} of ${user.email} missing from the list`);
    if (state === 'dead' && listed.has(session.id))
      problems.push(`ended session ${session.id} of ${user.email} listed`);
    listed.delete(session.id);
  }
  if (listed.size > 0)
    problems.push(`unknown sessions listed for ${user.email}: ${[...listed].join(', ')}`);
}
