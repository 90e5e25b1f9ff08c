import { register, type Registered } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

import { type ProductData, productApi } from '../support/products';

/** Listing products: pagination, sorting, search and filters. */
describe('listing products', () => {
  let t: TestApp;
  const { products, create } = productApi(() => t);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
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
});
