import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { RoleNameKeys1764432000000 } from '../../migrations/1764432000000-RoleNameKeys';
import type { DatabaseConfig } from '../../src/config/app-config';
import { buildDataSourceOptions } from '../../src/database/data-source-options';
import { type ApiResponse, request } from '../support/api-client';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from '../support/backend';
import { createRole, createTenant, type Tenant, WALK_ENV } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

interface RoleRow {
  id: string;
  name: string;
}

/** Every spelling of a reserved word, each refused with 400 before anything is stored. */
const RESERVED_SPELLINGS = [
  'superuser',
  'SUPERUSER',
  'SuperUser',
  'ＳＵＰＥＲＵＳＥＲ', // fullwidth
  'ſuperuser', // long s
  'superuser ',
  ' superuser',
  'super\u200Buser', // zero-width space
  'super\u00ADuser', // soft hyphen
  '\u200Dsuperuser',
  'platform',
  'Platform',
  'system',
  'ＳＹＳＴＥＭ',
  'root',
  'ROOT',
  'ｒｏｏｔ',
  'admin',
  'Admin',
  'staff',
  'ＳＴＡＦＦ',
  'client',
];

/** A DATETIME literal both MySQL and SQLite accept. */
const now = () => new Date().toISOString().replace('T', ' ').replace('Z', '');

function config(url: string): DatabaseConfig {
  return TEST_BACKEND === 'mysql'
    ? { type: 'mysql', url, replicaUrls: [], poolSize: 2, runMigrations: false }
    : { type: 'sqlite', path: url.slice('sqlite:'.length), runMigrations: false };
}

describe('role names: reserved words and uniqueness, ignoring case and Unicode form', () => {
  let t: TestApp;
  let org: Tenant;

  beforeAll(async () => {
    t = await startTestApp({ env: WALK_ENV });
    org = await createTenant(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const roleNames = async (tenant: Tenant): Promise<string[]> =>
    (
      (await request(t, 'GET', '/api/roles', { token: tenant.owner.token })).body as {
        data: RoleRow[];
      }
    ).data
      .map((role) => role.name)
      .sort();
  const outcome = (result: ApiResponse) => ({
    status: result.status,
    error: result.body.error,
  });

  it.each(RESERVED_SPELLINGS)('refuses to create a role named %j (400)', async (name) => {
    const before = await roleNames(org);
    const result = await request(t, 'POST', '/api/roles', {
      token: org.owner.token,
      body: { name, permissions: ['users.read'] },
    });
    expect(outcome(result)).toEqual({ status: 400, error: 'VALIDATION_ERROR' });
    expect(
      (result.body as { details: { field: string }[] }).details.map((detail) => detail.field),
    ).toEqual(['name']);
    expect(await roleNames(org)).toEqual(before);
  });

  it.each(RESERVED_SPELLINGS)('refuses to rename a role to %j (400)', async (name) => {
    const role = await createRole(t, org, ['users.read']);
    const result = await request(t, 'PATCH', `/api/roles/${role.id}`, {
      token: org.owner.token,
      body: { name },
    });
    expect(outcome(result)).toEqual({ status: 400, error: 'VALIDATION_ERROR' });
    const after = await request(t, 'GET', `/api/roles/${role.id}`, { token: org.owner.token });
    expect(after.json<RoleRow>().data.name).toBe(role.name);
  });

  it('says why a reserved name is refused', async () => {
    const result = await request(t, 'POST', '/api/roles', {
      token: org.owner.token,
      body: { name: 'ＳＵＰＥＲＵＳＥＲ', permissions: [] },
    });
    expect((result.body as { details: { messages: string[] }[] }).details[0].messages).toEqual([
      'the role name "superuser" is reserved',
    ]);
  });

  it('stores names in their canonical form and refuses any variant of an existing one (409)', async () => {
    const created = await request(t, 'POST', '/api/roles', {
      token: org.owner.token,
      body: { name: 'Support', permissions: ['users.read'] },
    });
    expect(created.status).toBe(201);
    expect(created.json<RoleRow>().data.name).toBe('support');

    for (const name of ['support', 'SUPPORT', 'ＳＵＰＰＯＲＴ', 'ſupport', 'support ']) {
      const again = await request(t, 'POST', '/api/roles', {
        token: org.owner.token,
        body: { name, permissions: [] },
      });
      expect({ name, ...outcome(again) }).toEqual({ name, status: 409, error: 'CONFLICT' });
    }
    const other = await createRole(t, org, ['users.read']);
    const renamed = await request(t, 'PATCH', `/api/roles/${other.id}`, {
      token: org.owner.token,
      body: { name: 'ＳＵＰＰＯＲＴ' },
    });
    expect(outcome(renamed)).toEqual({ status: 409, error: 'CONFLICT' });

    // Its own name, in another spelling, is not a conflict with itself.
    const support = created.json<RoleRow>().data;
    const same = await request(t, 'PATCH', `/api/roles/${support.id}`, {
      token: org.owner.token,
      body: { name: 'SUPPORT', description: 'first line' },
    });
    expect(same.status).toBe(200);
  });

  it('a renamed role holds its new name under the same rule, and frees the old one', async () => {
    const role = await createRole(t, org, ['users.read']);
    const renamed = await request(t, 'PATCH', `/api/roles/${role.id}`, {
      token: org.owner.token,
      body: { name: 'Billing' },
    });
    expect(renamed.json<RoleRow>().data.name).toBe('billing');
    const clash = await request(t, 'POST', '/api/roles', {
      token: org.owner.token,
      body: { name: 'ＢＩＬＬＩＮＧ', permissions: [] },
    });
    expect(outcome(clash)).toEqual({ status: 409, error: 'CONFLICT' });
    const reused = await request(t, 'POST', '/api/roles', {
      token: org.owner.token,
      body: { name: role.name.toUpperCase(), permissions: [] },
    });
    expect(reused.status).toBe(201);
  });

  it('lets another organization use the same name', async () => {
    const other = await createTenant(t);
    for (const tenant of [org, other]) {
      const result = await request(t, 'POST', '/api/roles', {
        token: tenant.owner.token,
        body: { name: 'auditors', permissions: ['audit.read'] },
      });
      expect(result.status).toBe(201);
    }
  });

  it('the unique index compares keys byte for byte, the same on every backend', async () => {
    const dataSource = t.app.get(DataSource);
    const insert = (nameKey: string) =>
      dataSource.query(
        'INSERT INTO roles (id, organization_id, name, name_key, description, permissions, is_built_in, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, 0, ?, ?)',
        [randomUUID(), org.id, nameKey, nameKey, '[]', now(), now()],
      );
    await insert('cafe');
    // MySQL's default collation would call these equal to "cafe"; the key column does not.
    await insert('café');
    await insert('CAFE');
    await expect(insert('cafe')).rejects.toThrow(/Duplicate entry|UNIQUE constraint failed/);
  });
});

describe('the role-name-key migration', () => {
  let database: TestDatabase;
  const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(RoleNameKeys1764432000000));

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  /** The schema just before this migration, with one organization holding these roles. */
  async function legacyDatabase(names: string[]): Promise<string> {
    const dataSource = new DataSource({
      ...buildDataSourceOptions(config(database.url)),
      migrations: before,
    });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      const organizationId = randomUUID();
      await dataSource.query(
        "INSERT INTO organizations (id, name, subdomain, status, settings, created_at, updated_at) VALUES (?, 'Legacy', 'legacy', 'active', '{}', ?, ?)",
        [organizationId, now(), now()],
      );
      for (const name of names)
        await dataSource.query(
          "INSERT INTO roles (id, organization_id, name, description, permissions, is_built_in, created_at, updated_at) VALUES (?, ?, ?, NULL, '[]', 0, ?, ?)",
          [randomUUID(), organizationId, name, now(), now()],
        );
      return organizationId;
    } finally {
      await dataSource.destroy();
    }
  }

  async function migrate(): Promise<DataSource> {
    const dataSource = new DataSource(buildDataSourceOptions(config(database.url)));
    await dataSource.initialize();
    return dataSource;
  }

  it('fills name_key for existing roles', async () => {
    await legacyDatabase(['Support', 'ｂｉｌｌｉｎｇ']);
    const dataSource = await migrate();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      const rows: { name_key: string }[] = await dataSource.query(
        'SELECT name_key FROM roles ORDER BY name_key',
      );
      expect(rows.map((row) => row.name_key)).toEqual(['billing', 'support']);
    } finally {
      await dataSource.destroy();
    }
  });

  it('refuses, naming both roles, when two existing roles of one organization collide', async () => {
    // Distinct under MySQL's old collation too: U+2066 is newer than its Unicode tables.
    const organizationId = await legacyDatabase(['support', 'sup\u2066port']);
    const dataSource = await migrate();
    try {
      const run = dataSource.runMigrations({ transaction: 'each' });
      await expect(run).rejects.toThrow(/same name once case and Unicode form are ignored/);
      await expect(run).rejects.toThrow(
        `organization ${organizationId}: "support" and "sup\u2066port"`,
      );
      // Nothing of it was applied: no column, and the migration is still pending.
      const runner = dataSource.createQueryRunner();
      try {
        const roles = await runner.getTable('roles');
        expect(roles?.columns.map((column) => column.name)).not.toContain('name_key');
      } finally {
        await runner.release();
      }
      expect(await dataSource.showMigrations()).toBe(true);
    } finally {
      await dataSource.destroy();
    }
  });
});
