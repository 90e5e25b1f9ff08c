import { randomUUID } from 'node:crypto';
import { JOB_QUEUE, type JobQueue } from '../../src/jobs/job-queue';
import { PasswordHasher } from '../../src/security/password-hasher.service';
import { SuperusersRepository } from '../../src/modules/platform/superusers.repository';
import { canonicalEmail } from '../../src/security/email';
import { type ApiResponse, type AuthData, PASSWORD, register, request } from './api-client';
import { unique } from './backend';
import { createInvitation } from './invitations';
import type { TestApp } from './test-app';
import { enrol } from './mfa';
import { sessionIdOfAccessToken } from './tokens';

/**
 * Factories for the authorization and isolation walks: organizations, users with roles,
 * custom roles, products, superusers, each through the public API (the superuser excepted:
 * it is created the way `npm run superuser:create` does, through the repository).
 */

/**
 * Login and register are limited per client IP, API keys per key; the walks log in hundreds of
 * times from 127.0.0.1 and call every route with one key.
 */
export const WALK_ENV = { AUTH_IP_RATE_LIMIT: '1000000', API_KEY_RATE_LIMIT: '1000000' };

export interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
  sessionId: string;
  /** The organization's subdomain; undefined for a superuser. */
  subdomain?: string;
}

export interface Tenant {
  id: string;
  subdomain: string;
  owner: Account;
  /** Appears in the names and descriptions of this organization's rows, to spot them in any response. */
  marker: string;
}

function expectStatus(result: ApiResponse<unknown>, expected: number): void {
  if (result.status !== expected) throw new Error(`expected ${expected}: ${result.describe()}`);
}

export async function createTenant(t: TestApp, label = 'org'): Promise<Tenant> {
  const registered = await register(t);
  const marker = `${label}marker${unique()}`;
  return {
    id: registered.organization.id,
    subdomain: registered.organization.subdomain,
    marker,
    owner: {
      id: registered.user.id,
      email: registered.email,
      password: registered.password,
      token: registered.tokens.accessToken,
      sessionId: sessionIdOfAccessToken(registered.tokens.accessToken),
      subdomain: registered.organization.subdomain,
    },
  };
}

/** A new session of an existing account (a tenant user or a superuser). */
export async function logIn(
  t: TestApp,
  account: Pick<Account, 'email' | 'password' | 'subdomain'>,
): Promise<Account> {
  const result = await request<AuthData>(
    t,
    'POST',
    account.subdomain ? '/api/auth/login' : '/api/auth/superuser/login',
    {
      body: { email: account.email, password: account.password },
      tenant: account.subdomain,
    },
  );
  expectStatus(result, 200);
  const token = result.body.data.tokens.accessToken;
  return {
    id: result.body.data.user.id,
    email: account.email,
    password: account.password,
    subdomain: account.subdomain,
    token,
    sessionId: sessionIdOfAccessToken(token),
  };
}

/** A user of the tenant with these roles, created by its owner and logged in. */
export async function createUser(
  t: TestApp,
  tenant: Tenant,
  roles: string[],
  actor: Account = tenant.owner,
): Promise<Account> {
  const email = `user-${unique()}@${tenant.subdomain}.test`;
  const created = await request<{ id: string }>(t, 'POST', '/api/users', {
    token: actor.token,
    body: {
      email,
      password: PASSWORD,
      firstName: `${tenant.marker} first`,
      lastName: `${tenant.marker} last`,
      roles,
    },
  });
  expectStatus(created, 201);
  return logIn(t, { email, password: PASSWORD, subdomain: tenant.subdomain });
}

export async function createRole(
  t: TestApp,
  tenant: Tenant,
  permissions: string[],
  actor: Account = tenant.owner,
): Promise<{ id: string; name: string }> {
  const name = `custom-${unique()}`;
  const created = await request<{ id: string }>(t, 'POST', '/api/roles', {
    token: actor.token,
    body: { name, description: `${tenant.marker} role`, permissions },
  });
  expectStatus(created, 201);
  return { id: created.body.data.id, name };
}

export async function createProduct(
  t: TestApp,
  tenant: Tenant,
  actor: Account = tenant.owner,
): Promise<{ id: string; sku: string }> {
  const sku = `SKU-${unique()}`.toUpperCase();
  const created = await request<{ id: string }>(t, 'POST', '/api/products', {
    token: actor.token,
    body: {
      name: `${tenant.marker} product`,
      sku,
      price: '12.50',
      description: `${tenant.marker} description`,
    },
  });
  expectStatus(created, 201);
  return { id: created.body.data.id, sku };
}

export interface CreatedApiKey {
  id: string;
  /** The whole key, `sk_test_<publicId>_<secret>`. */
  key: string;
  /** The key as a caller: its owner's account with the key as the bearer credential. */
  account: Account;
}

/** An API key of the tenant with these permissions, created by its owner (or `actor`). */
export async function createApiKey(
  t: TestApp,
  tenant: Tenant,
  permissions: readonly string[],
  options: { actor?: Account; name?: string; expiresAt?: string } = {},
): Promise<CreatedApiKey> {
  const actor = options.actor ?? tenant.owner;
  const created = await request<{ id: string; key: string }>(t, 'POST', '/api/api-keys', {
    token: actor.token,
    body: {
      name: options.name ?? `${tenant.marker} key`,
      permissions,
      ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
    },
  });
  expectStatus(created, 201);
  const { id, key } = created.body.data;
  return { id, key, account: { ...actor, token: key } };
}

/** A platform superuser, created as `npm run superuser:create` does, and logged in. */
export async function createSuperuser(t: TestApp): Promise<Account> {
  const email = `root-${unique()}@platform.test`;
  const hash = await t.app.get(PasswordHasher).hash(PASSWORD);
  await t.app.get(SuperusersRepository).upsert(canonicalEmail(email), hash);
  return logIn(t, { email, password: PASSWORD });
}

/**
 * A failed job of the organization: a job no handler takes fails at once, for good. Needs the
 * app to run its workers (WORKERS=inline, the default).
 */
export async function createFailedJob(t: TestApp, tenant: Tenant): Promise<string> {
  const queue = t.app.get<JobQueue>(JOB_QUEUE);
  const { id } = await queue.enqueue({
    name: 'walk.unhandled',
    organizationId: tenant.id,
    payload: { marker: tenant.marker },
    idempotencyKey: `walk:${randomUUID()}`,
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { items } = await queue.listFailed(1, 100);
    if (items.some((job) => job.id === id)) return id;
    if (Date.now() > deadline) throw new Error(`job ${id} did not fail within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface IdFixtureContext {
  t: TestApp;
  tenant: Tenant;
  /** Who will make the request (sessions belong to a user: the fixture is one of theirs). */
  caller: Account;
}

/**
 * The one explicit map of the walks: for each route path with an `:id`, how to make a fresh row
 * of that kind in an organization. A route with a path parameter that is missing here fails the
 * walks, so a new resource cannot go untested: add its factory.
 */
export const ID_FIXTURES: Record<string, (context: IdFixtureContext) => Promise<string>> = {
  '/api/users/:id': async ({ t, tenant }) => (await createUser(t, tenant, ['client'])).id,
  '/api/users/:id/mfa': async ({ t, tenant }) => {
    const user = await createUser(t, tenant, ['client']);
    await enrol(t, user);
    return user.id;
  },
  '/api/roles/:id': async ({ t, tenant }) => (await createRole(t, tenant, ['products.read'])).id,
  '/api/products/:id': async ({ t, tenant }) => (await createProduct(t, tenant)).id,
  '/api/auth/sessions/:id': async ({ t, caller }) => (await logIn(t, caller)).sessionId,
  '/api/organizations/:id': async ({ tenant }) => tenant.id,
  '/api/platform/jobs/:id/retry': async ({ t, tenant }) => createFailedJob(t, tenant),
  '/api/invitations/:id': async ({ t, tenant }) => createInvitation(t, tenant.owner.token),
  '/api/invitations/:id/resend': async ({ t, tenant }) => createInvitation(t, tenant.owner.token),
  '/api/api-keys/:id': async ({ t, tenant }) =>
    (await createApiKey(t, tenant, ['products.read'])).id,
};

/** Path values for a route: `{ id }` from ID_FIXTURES; throws when the route has no fixture. */
export async function freshPathValues(
  path: string,
  context: IdFixtureContext,
): Promise<Record<string, string>> {
  if (!/:[A-Za-z]/.test(path)) return {};
  const fixture = ID_FIXTURES[path];
  if (!fixture)
    throw new Error(`No fixture for ${path}: add one to ID_FIXTURES in test/support/tenants.ts`);
  const names = [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]);
  if (names.length !== 1 || names[0] !== 'id')
    throw new Error(`${path}: ID_FIXTURES only knows routes with one :id; extend it`);
  return { id: await fixture(context) };
}
