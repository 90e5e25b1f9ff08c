import { createConnection } from 'mysql2/promise';
import { applyPendingMigrations, withDataSource } from '../../src/database/migration-runner';
import { replicaCount } from '../../src/database/replica-reads';
import { login, me, request } from '../support/api-client';
import { createMysqlDatabase, TEST_MYSQL_URL, type TestDatabase } from '../support/backend';
import {
  createApiKey,
  createProduct,
  createTenant,
  createUser,
  type Tenant,
  WALK_ENV,
} from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

const databaseName = (database: TestDatabase) => new URL(database.url).pathname.slice(1);

/**
 * Plays replication once: the replica becomes a copy of the primary as it is now, and lags
 * from then on, as a replica whose replication stopped would. Both live on the shared MariaDB.
 */
async function replicateOnce(primary: TestDatabase, replica: TestDatabase): Promise<void> {
  const [from, to] = [databaseName(primary), databaseName(replica)];
  const connection = await createConnection(TEST_MYSQL_URL);
  try {
    const [tables] = await connection.query(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [from],
    );
    await connection.query('SET SESSION foreign_key_checks = 0');
    for (const { name } of tables as { name: string }[]) {
      await connection.query(`DELETE FROM \`${to}\`.\`${name}\``);
      await connection.query(
        `INSERT INTO \`${to}\`.\`${name}\` SELECT * FROM \`${from}\`.\`${name}\``,
      );
    }
  } finally {
    await connection.end();
  }
}

/** The names (or emails, or actions) of one page of a list route. */
async function listed(t: TestApp, path: string, token: string, field: string): Promise<string[]> {
  const response = await request<Record<string, string>[]>(t, 'GET', path, { token });
  expect(response.status).toBe(200);
  return response.body.data.map((item) => item[field]);
}

/**
 * DATABASE_REPLICA_URLS names a second database holding a stale copy of the primary: whatever
 * the API shows from it is visibly old. List reads must show the copy; authentication, tenant
 * resolution and the answers to one's own writes must show the primary. (The primary starts
 * empty and the app migrates it at boot: migrations that went to the replica would fail it all.)
 */
describe('read replicas: which reads see the primary', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let t: TestApp;
  let org: Tenant;
  let copied: { id: string; sku: string };

  beforeAll(async () => {
    primary = await createMysqlDatabase();
    replica = await createMysqlDatabase();
    await withDataSource(
      { type: 'mysql', url: replica.url, replicaUrls: [], poolSize: 1, runMigrations: false },
      applyPendingMigrations,
    );
    t = await startTestApp({
      database: primary,
      env: { ...WALK_ENV, DATABASE_REPLICA_URLS: replica.url },
    });
    org = await createTenant(t);
    copied = await createProduct(t, org);
    await replicateOnce(primary, replica);
  });
  afterAll(async () => {
    await t?.close();
    await primary?.drop();
    await replica?.drop();
  });

  it('serves the product list from the replica: a product made after the copy is not listed yet', async () => {
    const later = await createProduct(t, org);
    expect(await listed(t, '/api/products', org.owner.token, 'sku')).toEqual([copied.sku]);
    // Reading one's own write by id goes to the primary.
    const read = await request<{ sku: string }>(t, 'GET', `/api/products/${later.id}`, {
      token: org.owner.token,
    });
    expect({ status: read.status, sku: read.body.data.sku }).toEqual({
      status: 200,
      sku: later.sku,
    });
  });

  it('answers an update with the primary’s row, while the list still shows the copy', async () => {
    const updated = await request<{ name: string }>(t, 'PATCH', `/api/products/${copied.id}`, {
      token: org.owner.token,
      body: { name: `${org.marker} renamed` },
    });
    expect({ status: updated.status, name: updated.body.data.name }).toEqual({
      status: 200,
      name: `${org.marker} renamed`,
    });
    expect(await listed(t, '/api/products', org.owner.token, 'name')).toEqual([
      `${org.marker} product`,
    ]);
  });

  it('logs in and rebuilds the identity from the primary: a user the replica has not seen works', async () => {
    const user = await createUser(t, org, ['staff']);
    expect(await listed(t, '/api/users', org.owner.token, 'email')).toEqual([org.owner.email]);
    const signedIn = await login(t, org.subdomain, user.email, user.password);
    expect(signedIn.status).toBe(200);
    // A role change drops the cached identity: the next request rebuilds it from the database.
    const promoted = await request(t, 'PATCH', `/api/users/${user.id}`, {
      token: org.owner.token,
      body: { roles: ['admin'] },
    });
    expect(promoted.status).toBe(200);
    const identity = await me(t, user.token);
    expect({ status: identity.status, roles: identity.body.data.user.roles }).toEqual({
      status: 200,
      roles: ['admin'],
    });
  });

  it('resolves an organization and authenticates an API key the replica has not seen', async () => {
    const newcomer = await createTenant(t, 'newcomer');
    expect((await me(t, newcomer.owner.token)).status).toBe(200);
    const { key } = await createApiKey(t, newcomer, ['products.read']);
    const withKey = await request<unknown[]>(t, 'GET', '/api/products', {
      headers: { 'x-api-key': key },
    });
    expect({ status: withKey.status, items: withKey.body.data }).toEqual({
      status: 200,
      items: [],
    });
  });

  it('serves the audit log from the replica: the events after the copy are not there yet', async () => {
    const actions = await listed(t, '/api/audit-logs?limit=100', org.owner.token, 'action');
    expect(actions).toContain('product.created');
    expect(actions).not.toContain('product.updated');
    expect(actions).not.toContain('user.created');
  });

  it('gives the commands (migrations, seed, superuser) the primary alone', async () => {
    const withReplica = t.config.database;
    expect(withReplica).toMatchObject({ replicaUrls: [replica.url] });
    const seen = await withDataSource(withReplica, async (dataSource) => {
      const [{ name }] = await dataSource.query<{ name: string }[]>('SELECT DATABASE() AS name');
      return { replicas: replicaCount(dataSource), database: name };
    });
    expect(seen).toEqual({ replicas: 0, database: databaseName(primary) });
  });

  it('reports the replica in readiness', async () => {
    const ready = await request<never>(t, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'ok', replicas: ['connected'] });
  });
});

/** A replica that refuses every connection: readiness says so, and list reads fall back to the primary. */
describe('read replicas: a replica that is down', () => {
  let t: TestApp;
  let org: Tenant;

  beforeAll(async () => {
    // Port 9 (discard) of the MariaDB host: nothing listens there, every connection is refused.
    const refused = new URL(TEST_MYSQL_URL);
    refused.port = '9';
    refused.pathname = '/none';
    t = await startTestApp({ env: { ...WALK_ENV, DATABASE_REPLICA_URLS: refused.toString() } });
    org = await createTenant(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stays ready, names the replica disconnected, and lists from the primary', async () => {
    const ready = await request<never>(t, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'ok', replicas: ['disconnected'] });
    const product = await createProduct(t, org);
    expect(await listed(t, '/api/products', org.owner.token, 'sku')).toEqual([product.sku]);
  });
});
