import { DataSource } from 'typeorm';
import { Organization } from '../../src/modules/organizations/organization.entity';
import { Role } from '../../src/modules/roles/role.entity';
import { User } from '../../src/modules/users/user.entity';
import { newSubdomain, PASSWORD, register, request } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

describe('concurrent registrations of one subdomain', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('fifty identical signups create exactly one organization; the rest get 409, never a 5xx', async () => {
    const subdomain = newSubdomain('race');
    const signup = (index: number) =>
      request(t, 'POST', '/api/auth/register', {
        body: {
          organization: { name: `Race ${index}`, subdomain },
          email: `owner${index}@${subdomain}.test`,
          password: PASSWORD,
          firstName: 'Ada',
          lastName: 'Lovelace',
        },
      });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => signup(index)));
    const statuses = responses.map((response) => response.status);

    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    const conflicts = responses
      .filter((response) => response.status === 409)
      .map((response) => response.body);
    for (const body of conflicts)
      expect(body).toMatchObject({ success: false, error: 'CONFLICT', statusCode: 409 });

    const dataSource = t.app.get(DataSource);
    const organizations = await dataSource
      .getRepository(Organization)
      .find({ where: { subdomain } });
    expect(organizations).toHaveLength(1);
    // Nothing half-created by the losers: one user and one set of built-in roles for the winner.
    const organizationId = organizations[0].id;
    expect(await dataSource.getRepository(User).count({ where: { organizationId } })).toBe(1);
    const roleNames = (await dataSource.getRepository(Role).find({ where: { organizationId } }))
      .map((role) => role.name)
      .sort();
    expect(new Set(roleNames).size).toBe(roleNames.length);
    expect(roleNames).toContain('admin');

    const winner = responses[statuses.indexOf(201)];
    expect(winner.json<{ organization: { id: string } }>().data.organization.id).toBe(
      organizationId,
    );
  });

  it('a taken subdomain gives 409 afterwards too, and a reserved one 400', async () => {
    const owner = await register(t);
    const again = await request(t, 'POST', '/api/auth/register', {
      body: {
        organization: { name: 'Copycat', subdomain: owner.organization.subdomain },
        email: 'someone@else.test',
        password: PASSWORD,
        firstName: 'Ada',
        lastName: 'Lovelace',
      },
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('CONFLICT');

    const reserved = await request(t, 'POST', '/api/auth/register', {
      body: {
        organization: { name: 'Admin', subdomain: 'admin' },
        email: 'someone@else.test',
        password: PASSWORD,
        firstName: 'Ada',
        lastName: 'Lovelace',
      },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error).toBe('VALIDATION_ERROR');
  });
});
