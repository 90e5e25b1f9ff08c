import { main as seedCli } from '../../src/cli/seed';
import {
  DEMO_ORGANIZATIONS,
  DEMO_PASSWORD,
  DEMO_SUPERUSER_EMAIL,
} from '../../src/modules/demo/demo-data';
import { bearer, login, request } from '../support/api-client';
import { createTestDatabase, type TestDatabase } from '../support/backend';
import { startTestApp } from '../support/test-app';
import { capture, counts, envFor, MIGRATION_NAMES, snapshot } from '../support/cli';

/** `npm run seed`, called in-process, and the demo data it loads, through the API. */

describe('npm run seed', () => {
  let database: TestDatabase;
  let firstRun: Record<string, unknown[]>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('migrates a fresh database and loads the demo data', async () => {
    const io = capture();
    expect(await seedCli([], envFor(database), io)).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(io.stdout.filter((line) => line.startsWith('Applied migration '))).toHaveLength(
      MIGRATION_NAMES.length,
    );
    expect(io.stdout).toContain('Organization acme (Acme Inc.): created with its built-in roles');
    expect(io.stdout).toContain(
      'Organization globex (Globex Corporation): created with its built-in roles',
    );
    expect(io.stdout).toContain(`Superuser ${DEMO_SUPERUSER_EMAIL}: created`);

    firstRun = await snapshot(database);
    const productCount = DEMO_ORGANIZATIONS.reduce(
      (total, organization) => total + organization.products.length,
      0,
    );
    expect(counts(firstRun)).toMatchObject({
      organizations: 2,
      roles: 6,
      users: 6,
      user_roles: 6,
      products: productCount,
      superusers: 1,
      migrations: MIGRATION_NAMES.length,
    });
    expect(productCount).toBeGreaterThanOrEqual(20);
  });

  it('a second run changes nothing: same row counts, same rows', async () => {
    const io = capture();
    expect(await seedCli([], envFor(database), io)).toBe(0);
    expect(io.stdout).toContain('Done: the demo data was already complete; nothing changed.');
    expect(io.stdout.some((line) => line.startsWith('Applied migration'))).toBe(false);
    const secondRun = await snapshot(database);
    expect(counts(secondRun)).toEqual(counts(firstRun));
    expect(secondRun).toEqual(firstRun);
  });

  it('refuses NODE_ENV=production without --force, before touching any database', async () => {
    const io = capture();
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'mysql://app:pw@127.0.0.1:1/unreachable',
      REDIS_URL: 'redis://127.0.0.1:1',
      JWT_SECRET: 'a-production-secret-of-at-least-32-chars',
      API_KEY_PEPPER: 'a-production-pepper-of-at-least-32-chars',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      SMTP_URL: 'smtp://127.0.0.1:1',
      MAIL_FROM: 'no-reply@example.com',
      APP_URL: 'https://app.example.com',
    };
    expect(await seedCli([], production, io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/Refusing to seed with NODE_ENV=production.*\n.*--force/);
  });

  describe('through the HTTP API', () => {
    let app: Awaited<ReturnType<typeof startTestApp>>;
    beforeAll(async () => {
      app = await startTestApp({ database });
    });
    afterAll(async () => {
      await app?.close();
    });

    interface ProductRow {
      sku: string;
      name: string;
    }

    async function productsSeenBy(
      subdomain: string,
      email: string,
    ): Promise<{ skus: string[]; total: number | undefined }> {
      const response = await login(app, subdomain, email, DEMO_PASSWORD);
      expect(response.status).toBe(200);
      const { data } = response.json<{ tokens: { accessToken: string } }>();
      const list = await request(app, 'GET', '/api/products?limit=100', {
        headers: bearer(data.tokens.accessToken, { 'x-tenant-id': subdomain }),
      });
      expect(list.status).toBe(200);
      const body = list.json<ProductRow[]>();
      return {
        skus: body.data.map((product) => product.sku).sort(),
        total: body.pagination?.total,
      };
    }

    it("logs the seeded admin in; it sees acme's products and none of globex's", async () => {
      const acme = DEMO_ORGANIZATIONS.find((organization) => organization.subdomain === 'acme');
      const { skus, total } = await productsSeenBy('acme', 'admin@acme.test');
      expect(skus).toEqual(acme?.products.map((product) => product.sku).sort());
      expect(total).toBe(acme?.products.length);
      expect(skus.every((sku) => sku.startsWith('ACME-'))).toBe(true);
    });

    it('gives every demo login its role', async () => {
      for (const organization of DEMO_ORGANIZATIONS) {
        for (const user of organization.users) {
          const response = await login(app, organization.subdomain, user.email, DEMO_PASSWORD);
          expect(response.status).toBe(200);
          const { data } = response.json<{ user: { roles: string[] } }>();
          expect(data.user.roles).toEqual([user.role]);
        }
      }
      const globex = DEMO_ORGANIZATIONS.find((organization) => organization.subdomain === 'globex');
      const { skus } = await productsSeenBy('globex', 'client@globex.test');
      expect(skus).toEqual(globex?.products.map((product) => product.sku).sort());
      expect(skus.every((sku) => sku.startsWith('GLBX-'))).toBe(true);
    });

    it('logs the seeded superuser in', async () => {
      const response = await request(app, 'POST', '/api/auth/superuser/login', {
        body: {
          email: DEMO_SUPERUSER_EMAIL,
          password: DEMO_PASSWORD,
        },
      });
      expect(response.status).toBe(200);
    });
  });
});
