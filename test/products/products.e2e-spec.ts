import type { OpenAPIObject } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { Product } from '../../src/modules/products/product.entity';
import {
  type AuthData,
  bearer,
  login,
  PASSWORD,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

interface ProductData {
  id: string;
  organizationId: string;
  name: string;
  sku: string;
  price: string;
  description: string | null;
  status: 'active' | 'draft' | 'archived';
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
}

/** Products, the reference tenant-scoped resource. */
describe('products', () => {
  let t: TestApp;
  let a: Registered;
  let b: Registered;
  let skuCounter = 0;

  const tokenOf = (org: Registered | string) =>
    typeof org === 'string' ? org : org.tokens.accessToken;
  const products = <T = ProductData>(
    org: Registered | string,
    method: string,
    path: string,
    body?: unknown,
  ) => request<T>(t, method, `/api/products${path}`, { token: tokenOf(org), body });
  const nextSku = (prefix = 'SKU') => `${prefix}-${String((skuCounter += 1)).padStart(5, '0')}`;
  const create = async (
    org: Registered | string,
    body: Record<string, unknown> = {},
  ): Promise<ProductData> => {
    const response = await products(org, 'POST', '', {
      name: 'Plain product',
      sku: nextSku(),
      price: '1.00',
      ...body,
    });
    const payload = response.json<ProductData>();
    if (response.status !== 201)
      throw new Error(`create failed: ${response.status} ${JSON.stringify(payload)}`);
    return payload.data;
  };
  const rowOf = (id: string) => t.app.get(DataSource).getRepository(Product).findOneBy({ id });
  const fieldsOf = (body: { details?: { field: string }[] }) =>
    (body.details ?? []).map((detail) => detail.field);

  beforeAll(async () => {
    t = await startTestApp();
    a = await register(t);
    b = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, reads, updates and deletes a product, auditing each change', async () => {
    const created = await products(a, 'POST', '', {
      name: '  Organic cotton T-shirt ',
      sku: 'TSHIRT-ORG-M',
      price: '19.99',
      description: 'Soft',
      status: 'draft',
    });
    expect(created.status).toBe(201);
    const createdBody = created.json<ProductData>();
    expect(createdBody.message).toBe('Product created');
    const product = createdBody.data;
    expect(product).toMatchObject({
      organizationId: a.organization.id,
      name: 'Organic cotton T-shirt',
      sku: 'TSHIRT-ORG-M',
      price: '19.99',
      description: 'Soft',
      status: 'draft',
      createdBy: a.user.id,
      updatedBy: a.user.id,
    });
    expect(product.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(product).sort()).toEqual(
      [
        'createdAt',
        'createdBy',
        'description',
        'id',
        'name',
        'organizationId',
        'price',
        'sku',
        'status',
        'updatedAt',
        'updatedBy',
      ].sort(),
    );

    const fetched = await products(a, 'GET', `/${product.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.json<ProductData>().data).toEqual(product);

    const patched = await products(a, 'PATCH', `/${product.id}`, {
      price: '24.5',
      status: 'active',
      description: null,
    });
    expect(patched.status).toBe(200);
    const updated = patched.json<ProductData>().data;
    expect(updated).toMatchObject({
      name: 'Organic cotton T-shirt',
      price: '24.50',
      status: 'active',
      description: null,
      createdAt: product.createdAt,
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(product.updatedAt));

    // Leaving every field out (or sending the same values) changes nothing.
    const unchanged = await products(a, 'PATCH', `/${product.id}`, { price: '24.50' });
    expect(unchanged.json<ProductData>().data).toEqual(updated);

    const deleted = await products(a, 'DELETE', `/${product.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      success: true,
      data: null,
      message: 'Product deleted',
    });
    expect((await products(a, 'GET', `/${product.id}`)).status).toBe(404);
    expect(await rowOf(product.id)).toBeNull();

    const audit = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .find({
        where: { entityType: 'product', entityId: product.id },
        order: { createdAt: 'ASC' },
      });
    expect(audit.map((row) => row.action)).toEqual([
      'product.created',
      'product.updated',
      'product.deleted',
    ]);
    for (const row of audit)
      expect(row).toMatchObject({ organizationId: a.organization.id, userId: a.user.id });
    expect(audit[0].after).toMatchObject({
      name: 'Organic cotton T-shirt',
      sku: 'TSHIRT-ORG-M',
      price: '19.99',
      status: 'draft',
    });
    expect(audit[1].before).toEqual({ price: '19.99', status: 'draft', description: 'Soft' });
    expect(audit[1].after).toEqual({ price: '24.50', status: 'active', description: null });
    expect(audit[2].before).toMatchObject({ id: product.id, price: '24.50', status: 'active' });
  });

  it('refuses invalid products with 400 and a detail per field', async () => {
    const valid = { name: 'Valid name', sku: nextSku(), price: '1.00' };
    const cases: [string, Record<string, unknown>, string][] = [
      ['name too short', { name: 'ab' }, 'name'],
      ['name blank once trimmed', { name: '     ' }, 'name'],
      ['name too long', { name: 'n'.repeat(256) }, 'name'],
      ['sku too short', { sku: 'AB12' }, 'sku'],
      ['sku too long', { sku: 'S'.repeat(51) }, 'sku'],
      ['negative price', { price: '-1.00' }, 'price'],
      ['price with 3 decimals', { price: '1.999' }, 'price'],
      ['price too large', { price: '12345678901.00' }, 'price'],
      ['price in exponent notation', { price: '1e3' }, 'price'],
      ['price as a JSON number', { price: 19.99 }, 'price'],
      ['price as a JSON integer', { price: 20 }, 'price'],
      ['missing price', { price: undefined }, 'price'],
      ['description too long', { description: 'd'.repeat(5001) }, 'description'],
      ['unknown status', { status: 'deleted' }, 'status'],
      ['organizationId', { organizationId: b.organization.id }, 'organizationId'],
      ['id', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
      ['createdAt', { createdAt: '2020-01-01T00:00:00.000Z' }, 'createdAt'],
      ['createdBy', { createdBy: b.user.id }, 'createdBy'],
    ];
    for (const [name, change, field] of cases) {
      const response = await products(a, 'POST', '', { ...valid, ...change });
      const body = response.body;
      expect({ name, status: response.status, error: body.error }).toEqual({
        name,
        status: 400,
        error: 'VALIDATION_ERROR',
      });
      expect({ name, fields: fieldsOf(body) }).toEqual({
        name,
        fields: expect.arrayContaining([field]) as unknown,
      });
    }
    const asNumber = (await products(a, 'POST', '', { ...valid, price: 19.99 })).body;
    expect(asNumber.details?.[0].messages.join(' ')).toMatch(
      /string such as "19\.99", not as a JSON number/,
    );
    expect(await t.app.get(DataSource).getRepository(Product).countBy({ sku: valid.sku })).toBe(0);
  });

  it('refuses invalid changes, including fields a client may never set, and leaves the row as it was', async () => {
    const product = await create(a, { name: 'Keep me', price: '5.00' });
    const cases: [Record<string, unknown>, string][] = [
      [{ name: null }, 'name'],
      [{ sku: null }, 'sku'],
      [{ price: null }, 'price'],
      [{ status: null }, 'status'],
      [{ price: 5 }, 'price'],
      [{ name: 'x' }, 'name'],
      [{ organizationId: b.organization.id }, 'organizationId'],
      [{ id: '00000000-0000-4000-8000-000000000000' }, 'id'],
      [{ createdAt: '2020-01-01T00:00:00.000Z' }, 'createdAt'],
      [{ updatedBy: b.user.id }, 'updatedBy'],
    ];
    for (const [change, field] of cases) {
      const response = await products(a, 'PATCH', `/${product.id}`, change);
      const body = response.body;
      expect({ change, status: response.status, fields: fieldsOf(body) }).toEqual({
        change,
        status: 400,
        fields: expect.arrayContaining([field]) as unknown,
      });
    }
    const row = await rowOf(product.id);
    expect(row).toMatchObject({
      organizationId: a.organization.id,
      name: 'Keep me',
      price: '5.00',
      updatedBy: a.user.id,
    });
    expect(row?.updatedAt.toISOString()).toBe(product.updatedAt);
    expect((await products(a, 'GET', '/not-a-uuid')).status).toBe(400);
  });

  it('keeps SKUs unique within an organization (409) but not across organizations', async () => {
    const sku = nextSku('DUP');
    const first = await create(a, { sku });
    const duplicate = await products(a, 'POST', '', { name: 'Second', sku, price: '2.00' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toBe('CONFLICT');

    const elsewhere = await products(b, 'POST', '', { name: 'Other org', sku, price: '2.00' });
    expect(elsewhere.status).toBe(201);

    const other = await create(a);
    const renamed = await products(a, 'PATCH', `/${other.id}`, { sku });
    expect(renamed.status).toBe(409);
    expect((await rowOf(other.id))?.sku).toBe(other.sku);
    expect((await rowOf(first.id))?.sku).toBe(sku);
  });

  it('answers 10 parallel creations of one SKU with exactly one 201 and nine 409', async () => {
    const sku = nextSku('RACE');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        products(a, 'POST', '', { name: `Racer ${i}`, sku, price: '3.00' }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const response of responses.filter((response) => response.status === 409))
      expect(response.body.error).toBe('CONFLICT');
    expect(
      await t.app
        .get(DataSource)
        .getRepository(Product)
        .countBy({ organizationId: a.organization.id, sku }),
    ).toBe(1);
  });

  it("answers 404, never 403, for another organization's product, and leaves it untouched", async () => {
    const theirs = await create(b, { name: 'Globex secret', price: '42.00' });
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'Hijacked' }],
      ['DELETE', undefined],
    ] as const) {
      const response = await products(a, method, `/${theirs.id}`, body);
      const payload = response.body;
      expect({ method, status: response.status, error: payload.error }).toEqual({
        method,
        status: 404,
        error: 'NOT_FOUND',
      });
      expect(JSON.stringify(payload)).not.toContain('Globex secret');
    }
    const row = await rowOf(theirs.id);
    expect(row).toMatchObject({
      organizationId: b.organization.id,
      name: 'Globex secret',
      price: '42.00',
    });
    expect(row?.updatedAt.toISOString()).toBe(theirs.updatedAt);

    const list = (await products(a, 'GET', '?limit=100&search=Globex')).json<ProductData[]>();
    expect(list.data).toEqual([]);
    expect(list.pagination?.total).toBe(0);
  });

  describe('list', () => {
    let c: Registered;
    const names = (body: { data: ProductData[] }) => body.data.map((product) => product.name);
    const list = async (org: Registered, query: string) => {
      const response = await products(org, 'GET', query);
      const body = response.json<ProductData[]>();
      if (response.status !== 200)
        throw new Error(`list failed: ${response.status} ${JSON.stringify(body)}`);
      return body;
    };

    beforeAll(async () => {
      // A fresh organization, so totals are exact.
      c = await register(t);
      const fixtures: Record<string, unknown>[] = [
        { name: '100% cotton', sku: 'COT-00100', price: '15.00' },
        { name: '1000 cotton buds', sku: 'BUD-01000', price: '2.50' },
        { name: 'snake_case mug', sku: 'MUG-SNAKE', price: '9.99' },
        { name: "O'Brien's tea", sku: 'TEA-OBRIEN', price: '4.75' },
        { name: 'Archived lamp', sku: 'LAMP-OLD01', price: '30.00', status: 'archived' },
        { name: 'Draft chair', sku: 'CHAIR-DRF1', price: '20.00', status: 'draft' },
        { name: 'Backslash \\ shelf', sku: 'SHELF-BS01', price: '20.01' },
        { name: 'Bang! poster', sku: 'POSTER-BNG', price: '0.10' },
      ];
      for (let i = 0; i < 17; i += 1) {
        fixtures.push({
          name: `Filler ${String(i).padStart(2, '0')}`,
          sku: `FILL-${String(i).padStart(5, '0')}`,
          price: `${100 + i}.00`,
        });
      }
      for (const fixture of fixtures) await create(c, fixture);
    });

    it('paginates with total and totalPages', async () => {
      const first = await list(c, '?limit=10');
      expect(first.data).toHaveLength(10);
      expect(first.pagination).toEqual({ page: 1, limit: 10, total: 25, totalPages: 3 });
      const last = await list(c, '?limit=10&page=3');
      expect(last.data).toHaveLength(5);
      expect(last.pagination).toEqual({ page: 3, limit: 10, total: 25, totalPages: 3 });
      const beyond = await list(c, '?limit=10&page=4');
      expect(beyond.data).toEqual([]);
      expect(beyond.pagination?.total).toBe(25);

      const everything = await list(c, '?limit=100');
      expect(everything.pagination).toEqual({ page: 1, limit: 100, total: 25, totalPages: 1 });
      expect(everything.data.every((product) => product.organizationId === c.organization.id)).toBe(
        true,
      );
      // Default: newest first, pages never overlap.
      const pages = [...first.data, ...(await list(c, '?limit=10&page=2')).data, ...last.data];
      expect(new Set(pages.map((product) => product.id)).size).toBe(25);
      expect((await list(c, '')).pagination).toEqual({
        page: 1,
        limit: 20,
        total: 25,
        totalPages: 2,
      });
    });

    it('sorts by price, ascending and descending, as decimals', async () => {
      const cents = (price: string) => BigInt(price.replace('.', ''));
      const ascending = (await list(c, '?sort=price&order=asc&limit=100')).data.map(
        (product) => product.price,
      );
      expect(ascending[0]).toBe('0.10');
      expect(ascending).toEqual(
        [...ascending].sort((x, y) => (cents(x) < cents(y) ? -1 : cents(x) > cents(y) ? 1 : 0)),
      );
      const descending = (await list(c, '?sort=price&order=desc&limit=100')).data.map(
        (product) => product.price,
      );
      expect(descending).toEqual([...ascending].reverse());
      expect(descending[0]).toBe('116.00');
      const byName = names(await list(c, '?sort=name&order=asc&limit=3'));
      expect(byName).toEqual(['100% cotton', '1000 cotton buds', 'Archived lamp']);
    });

    it('searches name and SKU with %, _, quotes and backslashes taken literally', async () => {
      expect(names(await list(c, `?search=${encodeURIComponent('100%')}`))).toEqual([
        '100% cotton',
      ]);
      expect(names(await list(c, `?search=${encodeURIComponent('_')}`))).toEqual([
        'snake_case mug',
      ]);
      expect(names(await list(c, `?search=${encodeURIComponent('%')}`))).toEqual(['100% cotton']);
      expect(names(await list(c, `?search=${encodeURIComponent("O'Brien")}`))).toEqual([
        "O'Brien's tea",
      ]);
      expect(names(await list(c, `?search=${encodeURIComponent('\\')}`))).toEqual([
        'Backslash \\ shelf',
      ]);
      expect(names(await list(c, `?search=${encodeURIComponent('!')}`))).toEqual(['Bang! poster']);
      expect(names(await list(c, '?search=cotton&sort=name&order=asc'))).toEqual([
        '100% cotton',
        '1000 cotton buds',
      ]);
      // Case-insensitive, and the SKU counts too.
      expect(names(await list(c, '?search=tea-obrien'))).toEqual(["O'Brien's tea"]);
      expect((await list(c, `?search=${encodeURIComponent('__')}`)).data).toEqual([]);
    });

    it('filters by status and by an inclusive price range', async () => {
      expect(names(await list(c, '?status=archived'))).toEqual(['Archived lamp']);
      expect(names(await list(c, '?status=draft'))).toEqual(['Draft chair']);
      expect((await list(c, '?status=active')).pagination?.total).toBe(23);
      const range = await list(c, '?minPrice=9.99&maxPrice=20.00&sort=price&order=asc');
      expect(range.data.map((product) => product.price)).toEqual(['9.99', '15.00', '20.00']);
      expect(
        (await list(c, '?minPrice=20.01&maxPrice=20.01')).data.map((product) => product.name),
      ).toEqual(['Backslash \\ shelf']);
      expect((await list(c, '?maxPrice=0.1')).data.map((product) => product.price)).toEqual([
        '0.10',
      ]);
      expect((await list(c, '?status=active&minPrice=100&search=Filler')).pagination?.total).toBe(
        17,
      );
    });

    it('refuses bad query parameters with 400', async () => {
      for (const query of [
        '?limit=101',
        '?limit=0',
        '?limit=abc',
        '?page=0',
        '?page=1.5',
        '?sort=organizationId',
        '?sort=price;DROP',
        '?order=sideways',
        '?status=deleted',
        '?minPrice=-1',
        '?maxPrice=1.005',
        '?minPrice=20&maxPrice=10',
        '?organizationId=x',
      ]) {
        const response = await products(c, 'GET', query);
        const body = response.body;
        expect({ query, status: response.status, error: body.error }).toEqual({
          query,
          status: 400,
          error: 'VALIDATION_ERROR',
        });
      }
    });
  });

  it('stores and returns prices exactly', async () => {
    for (const [sent, returned] of [
      ['0.10', '0.10'],
      ['12345678.99', '12345678.99'],
      ['9999999999.99', '9999999999.99'],
      ['0.3', '0.30'],
      ['7', '7.00'],
      ['007.5', '7.50'],
      ['0', '0.00'],
    ]) {
      const product = await create(a, { price: sent });
      expect({ sent, price: product.price }).toEqual({ sent, price: returned });
      const fetched = (await products(a, 'GET', `/${product.id}`)).json<ProductData>();
      expect({ sent, price: fetched.data.price }).toEqual({ sent, price: returned });
      expect({ sent, stored: (await rowOf(product.id))?.price }).toEqual({
        sent,
        stored: returned,
      });
    }
  });

  it('needs products.create to create (403) and products.read to list, and a token at all (401)', async () => {
    const email = `client@${a.organization.subdomain}.test`;
    const created = await request(t, 'POST', '/api/users', {
      headers: { ...bearer(a.tokens.accessToken), 'content-type': 'application/json' },
      body: {
        email,
        password: PASSWORD,
        firstName: 'Cli',
        lastName: 'Ent',
        roles: ['client'],
      },
    });
    expect(created.status).toBe(201);
    const loggedIn = await login(t, a.organization.subdomain, email, PASSWORD);
    expect(loggedIn.status).toBe(200);
    const client = loggedIn.json<AuthData>().data.tokens.accessToken;

    const product = await create(a, { name: 'Visible to clients' });
    expect((await products(client, 'GET', '?limit=1')).status).toBe(200);
    expect((await products(client, 'GET', `/${product.id}`)).status).toBe(200);
    const denied = await products(client, 'POST', '', {
      name: 'Not allowed',
      sku: nextSku(),
      price: '1.00',
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('FORBIDDEN');
    expect(
      (await products(client, 'PATCH', `/${product.id}`, { name: 'Not allowed' })).status,
    ).toBe(403);
    expect((await products(client, 'DELETE', `/${product.id}`)).status).toBe(403);
    expect(await rowOf(product.id)).toMatchObject({ name: 'Visible to clients' });

    expect((await request(t, 'GET', '/api/products')).status).toBe(401);
    expect((await request(t, 'DELETE', `/api/products/${product.id}`)).status).toBe(401);
  });

  it('documents every products route with its permission, security scheme and error responses', async () => {
    const document = (await request(t, 'GET', '/api/docs-json')).document<OpenAPIObject>();
    const operations = [
      ['/api/products', 'get', 'products.read', ['200', '400', '401', '403']],
      ['/api/products', 'post', 'products.create', ['201', '400', '401', '403', '409']],
      ['/api/products/{id}', 'get', 'products.read', ['200', '400', '401', '403', '404']],
      [
        '/api/products/{id}',
        'patch',
        'products.update',
        ['200', '400', '401', '403', '404', '409'],
      ],
      ['/api/products/{id}', 'delete', 'products.delete', ['200', '400', '401', '403', '404']],
    ] as const;
    for (const [path, method, permission, statuses] of operations) {
      const operation = document.paths[path]?.[method];
      expect({ path, method, defined: operation !== undefined }).toEqual({
        path,
        method,
        defined: true,
      });
      expect(operation?.description).toContain(permission);
      expect(operation?.security).toEqual([{ bearer: [] }]);
      // 500 is documented on every operation.
      expect(Object.keys(operation?.responses ?? {}).sort()).toEqual([...statuses, '500'].sort());
    }
    const schemas = document.components?.schemas ?? {};
    expect(schemas).toHaveProperty('CreateProductDto');
    expect(schemas).toHaveProperty('UpdateProductDto');
    expect(JSON.stringify(schemas.UpdateProductDto)).toContain('price');
    expect(JSON.stringify(schemas.CreateProductDto)).not.toContain('organizationId');
  });
});

describe('product SKUs', () => {
  let t: TestApp;
  let owner: Registered;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await register(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('are stored upper-case, so uniqueness ignores case on every backend', async () => {
    const create = (sku: string) =>
      request(t, 'POST', '/api/products', {
        body: { name: 'Case test', sku, price: '1.00' },
        headers: bearer(owner.tokens.accessToken),
      });
    const first = await create(' abc-12345 ');
    expect(first.status).toBe(201);
    expect(first.json<{ sku: string }>().data.sku).toBe('ABC-12345');
    expect((await create('ABC-12345')).status).toBe(409);
    expect((await create('Abc-12345')).status).toBe(409);
  });
});
