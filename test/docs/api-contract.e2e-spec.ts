import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIObject, ParameterObject } from '@nestjs/swagger';
import { listProductSkus } from '../../client/list-products';
import { DEMO_ORGANIZATIONS, DEMO_PASSWORD } from '../../src/modules/demo/demo-data';
import { bearer, register, request } from '../support/api-client';
import { apiOperations } from '../support/openapi';
import { nestRoutes } from '../support/routes';
import { startTestApp, type TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
/** Query parameters that only page or order a list: their defaults match everything. */
const PAGING = ['page', 'limit', 'order', 'sort'];

describe('API contract', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let scratch: string;

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await request(t, 'GET', '/api/docs-json')).document<OpenAPIObject>();
    scratch = mkdtempSync(join(tmpdir(), 'api-contract-'));
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await t.close();
  });

  it('names every operation with a unique camelCase operationId', () => {
    const ids = apiOperations(doc).map((operation) => operation.operation.operationId ?? '');
    expect(ids.filter((id) => !/^[a-z][a-zA-Z]+$/.test(id) || /Controller/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['login', 'listProducts', 'createUser']));
  });

  it('documents X-Tenant-ID on sign-in and on every tenant route', () => {
    // Public routes that read a tenant hint (login), and every route a tenant principal calls.
    const tenantRoutes = nestRoutes(t.app)
      .filter((route) =>
        route.access.public ? route.access.public.tenant : !route.access.platformOnly,
      )
      .map((route) => route.key);
    expect(tenantRoutes).toEqual(
      expect.arrayContaining(['POST /api/auth/login', 'GET /api/products']),
    );
    const documented = new Set(
      apiOperations(doc)
        .filter((operation) =>
          (operation.operation.parameters as ParameterObject[] | undefined)?.some(
            (parameter) => parameter.in === 'header' && parameter.name === 'X-Tenant-ID',
          ),
        )
        .map((operation) => operation.key),
    );
    expect(tenantRoutes.filter((key) => !documented.has(key))).toEqual([]);
  });

  it('marks public operations with security: [] and declares a server and a license', () => {
    const publicKeys = nestRoutes(t.app)
      .filter((route) => route.access.public)
      .map((route) => route.key);
    for (const operation of apiOperations(doc)) {
      if (!publicKeys.includes(operation.key) || operation.key === 'POST /api/auth/refresh')
        continue;
      expect({ key: operation.key, security: operation.operation.security }).toEqual({
        key: operation.key,
        security: [],
      });
    }
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.info.license?.name).toBe('MIT');
  });

  it('gives the login example a seeded login', () => {
    const login = doc.components?.schemas?.LoginDto as {
      properties: Record<string, { example?: string }>;
    };
    const seededEmails = DEMO_ORGANIZATIONS.flatMap((org) => org.users.map((user) => user.email));
    expect(seededEmails).toContain(login.properties.email.example);
    expect(login.properties.password.example).toBe(DEMO_PASSWORD);
  });

  it('pre-fills no filter on list operations, so "Try it out" lists the demo data', () => {
    const prefilled: string[] = [];
    for (const operation of apiOperations(doc)) {
      for (const parameter of (operation.operation.parameters ?? []) as ParameterObject[]) {
        if (parameter.in !== 'query' || PAGING.includes(parameter.name)) continue;
        const schema = (parameter.schema ?? {}) as { example?: unknown; default?: unknown };
        if (
          parameter.example !== undefined ||
          schema.example !== undefined ||
          schema.default !== undefined
        )
          prefilled.push(`${operation.key} ${parameter.name}`);
      }
    }
    expect(prefilled).toEqual([]);
  });

  it('serves the document as JSON only', async () => {
    expect((await request(t, 'GET', '/api/docs-yaml')).status).toBe(404);
  });

  it('is the same document when compiled by nest build (run `npm run build` first)', () => {
    const target = join(scratch, 'built.json');
    execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'openapi.js'), target]);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual(doc);
  });

  describe('typed client', () => {
    it('is generated from the current document (`npm run client`)', () => {
      const source = join(scratch, 'openapi.json');
      const output = join(scratch, 'openapi.d.ts');
      writeFileSync(source, JSON.stringify(doc));
      execFileSync(join(BIN, 'openapi-typescript'), [source, '-o', output], {
        cwd: ROOT,
        stdio: 'pipe',
      });
      expect(readFileSync(output, 'utf8')).toBe(
        readFileSync(join(ROOT, 'client', 'openapi.d.ts'), 'utf8'),
      );
    }, 60_000);

    it('compiles a program that logs in and lists products', () => {
      execFileSync(join(BIN, 'tsc'), ['-p', join(ROOT, 'client', 'tsconfig.json')], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    }, 60_000);

    it('runs that program against the app', async () => {
      const owner = await register(t);
      for (const sku of ['SKU-BETA', 'SKU-ALPHA']) {
        const created = await request(t, 'POST', '/api/products', {
          body: { name: `Product ${sku}`, sku, price: '9.99' },
          headers: bearer(owner.tokens.accessToken),
        });
        expect(created.status).toBe(201);
      }
      const skus = await listProductSkus(t.baseUrl, {
        tenant: owner.organization.subdomain,
        email: owner.email,
        password: owner.password,
      });
      expect(skus).toEqual(['SKU-ALPHA', 'SKU-BETA']);
    });
  });
});

describe('boot log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('names each route where it is served: /health outside the /api prefix', () => {
    const messages = t.logs.map((line) => line.msg ?? '');
    expect(messages).toContain('Mapped {/health, GET} route');
    expect(messages).toContain('Mapped {/api/products, GET} route');
    expect(messages.filter((message) => message.includes('/api/health'))).toEqual([]);
  });
});
