import { PASSWORD, request } from '../support/api-client';
import { createTenant, createUser, type Tenant, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

interface UserRow {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: string;
  roles: string[];
}
type Page = {
  data: UserRow[];
  pagination: { page: number; limit: number; total: number; totalPages: number };
};

/** User administration inside the caller's organization. */
describe('user administration', () => {
  let t: TestApp;
  let acme: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    acme = await createTenant(t, 'acme');
    await createUser(t, acme, ['staff']);
    await createUser(t, acme, ['client']);
    await createUser(t, acme, ['client']);
  });
  afterAll(async () => {
    await t.close();
  });

  const list = async (query: string): Promise<Page> => {
    const response = await request(t, 'GET', `/api/users${query}`, { token: acme.owner.token });
    expect(response.status).toBe(200);
    return response.body as Page;
  };

  it('paginates, filters by role and status, searches literally and sorts by an allowlisted field', async () => {
    const all = await list('?limit=2&page=1');
    expect(all.pagination).toEqual({ page: 1, limit: 2, total: 4, totalPages: 2 });
    expect(all.data).toHaveLength(2);
    expect((await list('?limit=2&page=2')).data).toHaveLength(2);

    const clients = await list('?role=client');
    expect(clients.pagination.total).toBe(2);
    expect(clients.data.every((user) => user.roles.includes('client'))).toBe(true);

    const byEmail = await list(`?search=${encodeURIComponent(acme.owner.email)}`);
    expect(byEmail.data.map((user) => user.id)).toEqual([acme.owner.id]);
    expect((await list('?search=%25')).pagination.total).toBe(0);
    expect((await list('?search=_')).pagination.total).toBe(0);

    const ascending = (await list('?sort=email&order=asc')).data.map((user) => user.email);
    expect(ascending).toEqual([...ascending].sort());
    expect(
      (await request(t, 'GET', '/api/users?sort=passwordHash', { token: acme.owner.token })).status,
    ).toBe(400);
    expect(
      (await request(t, 'GET', '/api/users?limit=101', { token: acme.owner.token })).status,
    ).toBe(400);
  });

  it('creates users with normalized unique emails and never returns password data', async () => {
    const email = `  New.Person@${acme.subdomain}.TEST `;
    const created = await request(t, 'POST', '/api/users', {
      token: acme.owner.token,
      body: { email, password: PASSWORD, firstName: 'New', lastName: 'Person', roles: ['client'] },
    });
    expect(created.status).toBe(201);
    expect(created.text).not.toMatch(/password/i);
    expect(created.json<UserRow>().data.email).toBe(`new.person@${acme.subdomain}.test`);
    const again = await request(t, 'POST', '/api/users', {
      token: acme.owner.token,
      body: {
        email: `new.person@${acme.subdomain}.test`,
        password: PASSWORD,
        firstName: 'X',
        lastName: 'Y',
        roles: [],
      },
    });
    expect(again.status).toBe(409);
    const unknownRole = await request(t, 'POST', '/api/users', {
      token: acme.owner.token,
      body: {
        email: `other@${acme.subdomain}.test`,
        password: PASSWORD,
        firstName: 'X',
        lastName: 'Y',
        roles: ['wizard'],
      },
    });
    expect(unknownRole.status).toBe(400);
  });

  it('lets users edit their own names but never their roles or status', async () => {
    const staff = await createUser(t, acme, ['staff']);
    const renamed = await request(t, 'PATCH', '/api/users/me', {
      token: staff.token,
      body: { firstName: 'Renamed' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json<UserRow>().data.firstName).toBe('Renamed');
    expect(
      (
        await request(t, 'PATCH', '/api/users/me', {
          token: staff.token,
          body: { roles: ['admin'] },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await request(t, 'PATCH', '/api/users/me', {
          token: staff.token,
          body: { status: 'active' },
        })
      ).status,
    ).toBe(400);
    const me = await request(t, 'GET', '/api/users/me', { token: staff.token });
    expect(me.json<UserRow>().data).toMatchObject({
      firstName: 'Renamed',
      roles: ['staff'],
    });
  });

  it('DELETE deactivates the user and ends their sessions; the row stays', async () => {
    const client = await createUser(t, acme, ['client']);
    expect(
      (await request(t, 'DELETE', `/api/users/${client.id}`, { token: acme.owner.token })).status,
    ).toBe(200);
    expect((await request(t, 'GET', '/api/products', { token: client.token })).status).toBe(401);
    const row = await request(t, 'GET', `/api/users/${client.id}`, { token: acme.owner.token });
    expect(row.json<UserRow>().data.status).toBe('disabled');
  });
});
