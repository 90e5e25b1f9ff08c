import type { BuiltInRoleName } from '../../security/permissions';
import type { ProductStatus } from '../products/product.entity';

/**
 * The demo data `npm run seed` loads: what docs/operations.md ("Demo data") documents.
 * Every login shares one password, which passes the password policy; that is why the seed
 * refuses to run with NODE_ENV=production unless forced.
 */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';

export const DEMO_SUPERUSER_EMAIL = 'superuser@platform.test';

export interface DemoUser {
  email: string;
  firstName: string;
  lastName: string;
  role: BuiltInRoleName;
}

export interface DemoProduct {
  sku: string;
  name: string;
  /** Exact decimal string, as the API takes it. */
  price: string;
  description: string | null;
  status: ProductStatus;
}

export interface DemoOrganization {
  subdomain: string;
  name: string;
  users: DemoUser[];
  products: DemoProduct[];
}

/** admin@, staff@ and client@<subdomain>.test, one per built-in role; the admin comes first (it creates the products). */
function usersOf(subdomain: string, lastName: string): DemoUser[] {
  return [
    { email: `admin@${subdomain}.test`, firstName: 'Ada', lastName, role: 'admin' },
    { email: `staff@${subdomain}.test`, firstName: 'Sam', lastName, role: 'staff' },
    { email: `client@${subdomain}.test`, firstName: 'Cleo', lastName, role: 'client' },
  ];
}

type ProductRow = [name: string, price: string, status?: ProductStatus];

function productsOf(skuPrefix: string, rows: ProductRow[]): DemoProduct[] {
  return rows.map(([name, price, status = 'active'], index) => ({
    sku: `${skuPrefix}-${String(index + 1).padStart(4, '0')}`,
    name,
    price,
    description: `${name}: demo product of the seed.`,
    status,
  }));
}

export const DEMO_ORGANIZATIONS: DemoOrganization[] = [
  {
    subdomain: 'acme',
    name: 'Acme Inc.',
    users: usersOf('acme', 'Acme'),
    products: productsOf('ACME', [
      ['Anvil, 50 kg', '149.99'],
      ['Rocket-powered roller skates', '899.00'],
      ['Giant rubber band', '12.50'],
      ['Bird seed, 10 kg bag', '24.95'],
      ['Portable hole', '39.99'],
      ['Jet-propelled pogo stick', '459.00'],
      ['Dehydrated boulders', '7.25'],
      ['Earthquake pills', '19.99', 'draft'],
      ['Invisible paint', '64.00'],
      ['Tornado seeds', '5.00', 'archived'],
    ]),
  },
  {
    subdomain: 'globex',
    name: 'Globex Corporation',
    users: usersOf('globex', 'Globex'),
    products: productsOf('GLBX', [
      ['Hammock, deluxe', '89.00'],
      ['Doomsday device (replica)', '1999.99'],
      ['Volcano lair blueprint', '250.00'],
      ['Monorail pass, annual', '120.00'],
      ['Ergonomic office chair', '349.50'],
      ['Corporate mug', '9.99'],
      ['Laser pointer, industrial', '499.00'],
      ['Employee of the month plaque', '29.90', 'draft'],
      ['Conference room booking', '0.00'],
      ['Flip chart, magnetic', '79.95', 'archived'],
    ]),
  },
];
