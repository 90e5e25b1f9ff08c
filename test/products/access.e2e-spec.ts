import type { OpenAPIObject } from '@nestjs/swagger';
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

import { type ProductData, productApi } from '../support/products';

/** Prices, permissions and the OpenAPI description of the products routes. */
describe('products: prices, access and documentation', () => {
  let t: TestApp;
  let a: Registered;
  const { products, nextSku, create, rowOf } = productApi(() => t);

  beforeAll(async () => {
    t = await startTestApp();
    a = await register(t);
  });
  afterAll(async () => {
    await t.close();
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
      expect(operation?.security).toEqual([{ bearer: [] }, { 'api-key': [] }]);
      // 429 (the rate limits) and 500 are documented on every operation.
      expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(
        [...statuses, '429', '500'].sort(),
      );
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
