import { type ApiResponse, me, request } from '../support/api-client';
import {
  type Account,
  createRole,
  createTenant,
  createUser,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

interface UserRow {
  id: string;
  firstName: string;
  status: string;
  roles: string[];
}
interface RoleRow {
  id: string;
  name: string;
  description: string | null;
  permissions: string[];
}

/**
 * Administration never reaches above the actor: nobody acts on a user, or edits a role, that
 * holds a permission they lack. The first test is the attack a helpdesk role could run.
 */
describe('administration hierarchy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  const forbidden = (result: ApiResponse, what: string) => {
    const body = result.body;
    expect({ what, status: result.status, error: body.error }).toEqual({
      what,
      status: 403,
      error: 'FORBIDDEN',
    });
    expect(body.message).toMatch(/permissions you do not hold: /);
    expect(body.requestId).toBe(result.headers.get('x-request-id'));
  };
  const userOf = async (tenant: Tenant, id: string): Promise<UserRow> =>
    (
      (await request(t, 'GET', `/api/users/${id}`, { token: tenant.owner.token })).body as {
        data: UserRow;
      }
    ).data;
  const roleOf = async (tenant: Tenant, id: string): Promise<RoleRow> =>
    (
      (await request(t, 'GET', `/api/roles/${id}`, { token: tenant.owner.token })).body as {
        data: RoleRow;
      }
    ).data;

  /** An organization with a second admin, so the last-admin rule is not what stops anything. */
  async function organization(): Promise<{ org: Tenant; coAdmin: Account }> {
    const org = await createTenant(t);
    return { org, coAdmin: await createUser(t, org, ['admin']) };
  }

  it("a role holding only users.read and users.update cannot disable the organization's founding admin", async () => {
    const { org } = await organization();
    const helpdeskRole = await createRole(t, org, ['users.read', 'users.update']);
    const helpdesk = await createUser(t, org, [helpdeskRole.name]);

    forbidden(
      await request(t, 'PATCH', `/api/users/${org.owner.id}`, {
        token: helpdesk.token,
        body: { status: 'disabled' },
      }),
      'disable the founder',
    );
    expect((await userOf(org, org.owner.id)).status).toBe('active');
    expect((await me(t, org.owner.token)).status).toBe(200);
  });

  it('nor rename, re-role or delete anyone holding a permission it lacks', async () => {
    const { org, coAdmin } = await organization();
    const helpdeskRole = await createRole(t, org, ['users.read', 'users.update', 'users.delete']);
    const helpdesk = await createUser(t, org, [helpdeskRole.name]);
    const staff = await createUser(t, org, ['staff']);

    const attempts: [string, string, string, Record<string, unknown> | undefined][] = [
      ['rename the founder', 'PATCH', org.owner.id, { firstName: 'Mallory' }],
      ['strip the co-admin', 'PATCH', coAdmin.id, { roles: [] }],
      [
        "demote staff to the helpdesk's own role",
        'PATCH',
        staff.id,
        { roles: [helpdeskRole.name] },
      ],
      ['disable staff', 'PATCH', staff.id, { status: 'disabled' }],
      ['delete the co-admin', 'DELETE', coAdmin.id, undefined],
      ['delete staff', 'DELETE', staff.id, undefined],
    ];
    for (const [what, method, id, body] of attempts)
      forbidden(
        await request(t, method, `/api/users/${id}`, { token: helpdesk.token, body }),
        what,
      );
    expect(await userOf(org, org.owner.id)).toMatchObject({ firstName: 'Ada', status: 'active' });
    expect(await userOf(org, coAdmin.id)).toMatchObject({ status: 'active', roles: ['admin'] });
    expect(await userOf(org, staff.id)).toMatchObject({ status: 'active', roles: ['staff'] });
    expect((await me(t, staff.token)).status).toBe(200);
  });

  it('acts on users whose permissions it holds, itself included', async () => {
    const { org } = await organization();
    const readerRole = await createRole(t, org, ['users.read']);
    const helpdeskRole = await createRole(t, org, ['users.read', 'users.update', 'users.delete']);
    const helpdesk = await createUser(t, org, [helpdeskRole.name]);
    const reader = await createUser(t, org, [readerRole.name]);
    const nobody = await createUser(t, org, []);

    const renamed = await request(t, 'PATCH', `/api/users/${reader.id}`, {
      token: helpdesk.token,
      body: { firstName: 'Renamed', roles: [] },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json<UserRow>().data).toMatchObject({
      firstName: 'Renamed',
      roles: [],
    });
    const self = await request(t, 'PATCH', `/api/users/${helpdesk.id}`, {
      token: helpdesk.token,
      body: { lastName: 'Desk' },
    });
    expect(self.status).toBe(200);
    expect(
      (await request(t, 'DELETE', `/api/users/${nobody.id}`, { token: helpdesk.token })).status,
    ).toBe(200);
    expect((await userOf(org, nobody.id)).status).toBe('disabled');
  });

  it('a role manager cannot edit or delete a role holding a permission it lacks', async () => {
    const { org } = await organization();
    const managerRole = await createRole(t, org, ['roles.manage', 'users.read']);
    const manager = await createUser(t, org, [managerRole.name]);
    const catalogue = await createRole(t, org, ['products.read', 'users.read']);
    const readers = await createRole(t, org, ['users.read']);
    const before = await roleOf(org, catalogue.id);

    forbidden(
      await request(t, 'PATCH', `/api/roles/${catalogue.id}`, {
        token: manager.token,
        body: { permissions: ['users.read'] },
      }),
      'narrow a role beyond its reach',
    );
    forbidden(
      await request(t, 'PATCH', `/api/roles/${catalogue.id}`, {
        token: manager.token,
        body: { description: 'hijacked' },
      }),
      'describe a role beyond its reach',
    );
    forbidden(
      await request(t, 'DELETE', `/api/roles/${catalogue.id}`, { token: manager.token }),
      'delete a role beyond its reach',
    );
    expect(await roleOf(org, catalogue.id)).toEqual(before);

    const edited = await request(t, 'PATCH', `/api/roles/${readers.id}`, {
      token: manager.token,
      body: { description: 'people who read the directory' },
    });
    expect(edited.status).toBe(200);
    expect(
      (await request(t, 'DELETE', `/api/roles/${readers.id}`, { token: manager.token })).status,
    ).toBe(200);
  });

  it('the last active admin still cannot be disabled, even by another admin holding everything', async () => {
    const org = await createTenant(t);
    const admins = await request(t, 'PATCH', `/api/users/${org.owner.id}`, {
      token: org.owner.token,
      body: { status: 'disabled' },
    });
    expect({ status: admins.status, error: admins.body.error }).toEqual({
      status: 409,
      error: 'CONFLICT',
    });
  });
});
