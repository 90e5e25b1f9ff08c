import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { Product } from '../../src/modules/products/product.entity';
import { register, type Registered } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

import { type ProductData, productApi } from '../support/products';

/** Products, the reference tenant-scoped resource: writes, validation and isolation. */
describe('products', () => {
  let t: TestApp;
  let a: Registered;
  let b: Registered;
  const { products, nextSku, create, rowOf, fieldsOf } = productApi(() => t);

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
});
