import { DataSource } from 'typeorm';
import { Product } from '../../src/modules/products/product.entity';
import { type Registered, request } from './api-client';
import type { TestApp } from './test-app';

/** What the API answers for one product. */
export interface ProductData {
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

/**
 * Calls to /api/products as one organization (or with a raw token), for the products specs.
 * `app` is read at call time: the specs boot the app in beforeAll.
 */
export function productApi(app: () => TestApp) {
  let skuCounter = 0;
  const tokenOf = (org: Registered | string) =>
    typeof org === 'string' ? org : org.tokens.accessToken;
  const products = <T = ProductData>(
    org: Registered | string,
    method: string,
    path: string,
    body?: unknown,
  ) => request<T>(app(), method, `/api/products${path}`, { token: tokenOf(org), body });
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
    if (response.status !== 201) throw new Error(`create failed: ${response.describe()}`);
    return response.json<ProductData>().data;
  };
  const rowOf = (id: string) => app().app.get(DataSource).getRepository(Product).findOneBy({ id });
  const fieldsOf = (body: { details?: { field: string }[] }) =>
    (body.details ?? []).map((detail) => detail.field);
  return { products, nextSku, create, rowOf, fieldsOf };
}
