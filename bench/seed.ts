/**
 * The benchmark's data, in a database of its own that is dropped afterwards: migrations, then
 * organizations with their built-in roles and one user per role through the demo seeder
 * (src/modules/demo/, what `npm run seed` runs), then the products in multi-row INSERTs. The
 * seeder creates products one by one through ProductsService, with an audit row each: right
 * for ten demo products, minutes for the hundred thousand the benchmark lists from.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { runDemoSeed } from '../src/cli/demo-seed';
import type { AppConfig } from '../src/config/app-config';
import { applyPendingMigrations, withDataSource } from '../src/database/migration-runner';
import { createLogger } from '../src/logging/logger';
import type { DemoOrganization } from '../src/modules/demo/demo-data';
import { Product, type ProductStatus } from '../src/modules/products/product.entity';
import { BUILT_IN_ROLES, type BuiltInRoleName } from '../src/security/permissions';
import { Semaphore } from '../src/security/semaphore';
import { onCleanup } from './cleanup';
import { PASSWORD, settings } from './config';
import { progress } from './report';

const PRODUCTS_PER_INSERT = 2000;
const INSERTS_IN_FLIGHT = 4;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const ADJECTIVES = [
  'Organic',
  'Compact',
  'Wireless',
  'Recycled',
  'Premium',
  'Classic',
  'Rugged',
  'Slim',
  'Heavy-duty',
  'Smart',
];
const NOUNS = [
  'T-shirt',
  'Headphones',
  'Backpack',
  'Kettle',
  'Desk lamp',
  'Notebook',
  'Water bottle',
  'Keyboard',
  'Chair',
  'Charger',
];
/** 70% active, 20% draft, 10% archived. */
const STATUSES: readonly ProductStatus[] = [
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'active',
  'draft',
  'draft',
  'archived',
];

export interface Seeded {
  seconds: number;
  migrationSeconds: number;
  users: number;
  products: number;
}

/** Creates an empty database (dropped on cleanup) and returns its URL. */
export async function createDatabase(): Promise<string> {
  const name = `bench_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(settings.mysqlUrl);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  onCleanup(`drop database ${name}`, async () => {
    const connection = await createConnection(settings.mysqlUrl);
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.end();
    progress(`dropped database ${name}`);
  });
  return `${settings.mysqlUrl}/${name}`;
}

/** bench-001, bench-002...: admin@, staff@ and client@<subdomain>.test, no products (see above). */
function benchOrganizations(): DemoOrganization[] {
  return Array.from({ length: settings.organizations }, (_, index) => {
    const subdomain = `bench-${String(index + 1).padStart(3, '0')}`;
    const name = `Bench Organization ${index + 1}`;
    return {
      subdomain,
      name,
      users: (Object.keys(BUILT_IN_ROLES) as BuiltInRoleName[]).map((role) => ({
        email: `${role}@${subdomain}.test`,
        firstName: role[0].toUpperCase() + role.slice(1),
        lastName: `of ${name}`,
        role,
      })),
      products: [],
    };
  });
}

function productRows(
  organizationIndex: number,
  organization: { id: string; name: string; adminId: string },
): object[] {
  const now = Date.now();
  const count = settings.productsPerOrganization;
  return Array.from({ length: count }, (_, n) => {
    // Spread over the past hours so that the newest-first page reads a real index range.
    const created = new Date(now - (count - n) * HOUR_MS - Math.floor(Math.random() * HOUR_MS));
    const cents = 99 + Math.floor(Math.random() * 99_900);
    return {
      id: randomUUID(),
      organizationId: organization.id,
      name: `${ADJECTIVES[n % ADJECTIVES.length]} ${NOUNS[Math.floor(n / ADJECTIVES.length) % NOUNS.length]} ${n + 1}`,
      sku: `SKU-${String(organizationIndex + 1).padStart(3, '0')}-${String(n + 1).padStart(5, '0')}`,
      price: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
      description:
        n % 4 === 0
          ? null
          : `Bench product ${n + 1} of ${organization.name}, seeded for the load test.`,
      status: STATUSES[n % STATUSES.length],
      createdBy: organization.adminId,
      updatedBy: organization.adminId,
      createdAt: created,
      updatedAt: new Date(created.getTime() + Math.floor(Math.random() * DAY_MS)),
    };
  });
}

async function insertProducts(dataSource: DataSource): Promise<number> {
  const organizations = await dataSource.query<{ id: string; name: string; adminId: string }[]>(
    "SELECT o.id, o.name, u.id AS adminId FROM organizations o INNER JOIN users u ON u.organization_id = o.id AND u.email LIKE 'admin@%' ORDER BY o.subdomain",
  );
  const rows = organizations.flatMap((organization, index) => productRows(index, organization));
  const slots = new Semaphore(INSERTS_IN_FLIGHT);
  const inserts: Promise<unknown>[] = [];
  for (let start = 0; start < rows.length; start += PRODUCTS_PER_INSERT) {
    const batch = rows.slice(start, start + PRODUCTS_PER_INSERT);
    inserts.push(
      slots.run(() =>
        dataSource
          .createQueryBuilder()
          .insert()
          .into(Product)
          .values(batch)
          .updateEntity(false)
          .callListeners(false)
          .execute(),
      ),
    );
  }
  await Promise.all(inserts);
  await dataSource.query('ANALYZE TABLE products, users, organizations, roles, user_roles');
  return rows.length;
}

export async function seed(config: AppConfig): Promise<Seeded> {
  const started = performance.now();
  await withDataSource(config.database, applyPendingMigrations);
  const migrationSeconds = (performance.now() - started) / 1000;
  const { summary } = await runDemoSeed(config, createLogger(config), {
    organizations: benchOrganizations(),
    password: PASSWORD,
    superuserEmail: null,
  });
  const products = await withDataSource(config.database, insertProducts);
  return {
    seconds: (performance.now() - started) / 1000,
    migrationSeconds,
    users: summary.users.created,
    products,
  };
}
