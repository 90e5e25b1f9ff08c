import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { ErrorCode } from '../../src/http/error-codes';
import { generateOpenApiDocument } from '../../src/openapi';
import { request } from '../support/api-client';
import { describeMysqlOnly } from '../support/backend';
import { type ApiOperation, apiOperations, resolveSchema } from '../support/openapi';
import { nestRoutes } from '../support/routes';
import { startTestApp, type TestApp } from '../support/test-app';

const LIST_OPERATIONS = [
  'GET /api/api-keys',
  'GET /api/audit-logs',
  'GET /api/invitations',
  'GET /api/organizations',
  'GET /api/platform/jobs/failed',
  'GET /api/products',
  'GET /api/users',
];
/** Handlers that answer `data: null`. */
const NULL_DATA_OPERATIONS = [
  'DELETE /api/api-keys/:id',
  'DELETE /api/auth/sessions/:id',
  'DELETE /api/products/:id',
  'DELETE /api/roles/:id',
  'DELETE /api/users/:id',
  'POST /api/auth/logout',
];
const ERROR_BODY_REQUIRED = ['success', 'error', 'message', 'statusCode', 'requestId'];

type Schema = SchemaObject | ReferenceObject | undefined;

/** The JSON schema of a response, if it has an application/json body. */
function responseSchema(operation: ApiOperation, status: string): Schema {
  const response = operation.operation.responses[status] as
    { content?: Record<string, { schema?: Schema }> } | undefined;
  return response?.content?.['application/json']?.schema;
}

/** Follows $ref and single-part allOf wrappers (`{ allOf: [{ $ref }], description }`). */
function deref(doc: OpenAPIObject, schema: Schema): SchemaObject | undefined {
  if (!schema) return undefined;
  if ('$ref' in schema) return deref(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!]);
  if (schema.allOf?.length === 1 && !schema.enum) return deref(doc, schema.allOf[0]);
  return schema;
}

/** Swagger UI at /api/docs, the OpenAPI document at /api/docs-json, both working under our CSP. */
describe('API documentation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves Swagger UI as HTML at /api/docs', async () => {
    const response = await request(t, 'GET', '/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.text).toContain('<div id="swagger-ui">');
  });

  it('loads every script and stylesheet of the UI from our own origin, with no inline script', async () => {
    const html = (await request(t, 'GET', '/api/docs')).text;
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      // An inline script would be blocked by script-src 'self' and leave a blank page.
      expect(content.trim()).toBe('');
      expect(attributes).toMatch(/src="\.\/docs\//);
    }
    const assets = [...html.matchAll(/(?:src|href)="\.\/(docs\/[^"]+\.(?:js|css))"/g)].map(
      (match) => `/api/${match[1]}`,
    );
    expect(assets).toEqual(
      expect.arrayContaining(['/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-ui-init.js']),
    );
    for (const asset of assets) {
      const response = await request(t, 'GET', asset);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
    }
  });

  it('serves the OpenAPI document at /api/docs-json', async () => {
    const response = await request(t, 'GET', '/api/docs-json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = response.document<OpenAPIObject>();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Multi-tenant SaaS API');
    expect(document.paths['/health']?.get).toBeDefined();
    expect(document.components?.securitySchemes).toHaveProperty('bearer');
    // The envelope is part of the contract the description documents.
    expect(document.info.description).toMatch(/requestId/);
  });

  describe('documents the envelopes, errors and access of every operation', () => {
    let doc: OpenAPIObject;
    let operations: ApiOperation[];
    let publicKeys: Set<string>;

    beforeAll(async () => {
      doc = (await request(t, 'GET', '/api/docs-json')).document<OpenAPIObject>();
      // The health checks answer without the envelope, for load balancers and orchestrators.
      operations = apiOperations(doc).filter(
        (operation) => !operation.key.startsWith('GET /health'),
      );
      const routes = nestRoutes(t.app);
      publicKeys = new Set(routes.filter((route) => route.access.public).map((route) => route.key));
      // Every controller route is in the document, so the checks below cover all of them.
      const documented = new Set(apiOperations(doc).map((operation) => operation.key));
      expect(routes.map((route) => route.key).filter((key) => !documented.has(key))).toEqual([]);
      expect(operations.length).toBeGreaterThan(20);
    });

    it('wraps every success response in { success, data, message }', () => {
      const problems: string[] = [];
      for (const operation of operations) {
        const statuses = Object.keys(operation.operation.responses).filter((status) =>
          /^2\d\d$/.test(status),
        );
        if (statuses.length !== 1) {
          problems.push(`${operation.key}: ${statuses.length} success responses`);
          continue;
        }
        const schema = resolveSchema(doc, responseSchema(operation, statuses[0]));
        const properties = Object.keys(schema?.properties ?? {});
        for (const field of ['success', 'data', 'message']) {
          if (!properties.includes(field) || !schema?.required?.includes(field)) {
            problems.push(`${operation.key}: no required \`${field}\``);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('documents pagination on the list operations, and only there', () => {
      for (const operation of operations) {
        const status = operation.method === 'POST' ? '201' : '200';
        const schema = resolveSchema(doc, responseSchema(operation, status));
        const paginated = LIST_OPERATIONS.includes(operation.key);
        expect({
          key: operation.key,
          pagination: 'pagination' in (schema?.properties ?? {}),
        }).toEqual({ key: operation.key, pagination: paginated });
        if (!paginated) continue;
        expect(schema?.required).toContain('pagination');
        expect(deref(doc, schema?.properties?.data)?.type).toBe('array');
        expect(
          Object.keys(deref(doc, schema?.properties?.pagination)?.properties ?? {}).sort(),
        ).toEqual(['limit', 'page', 'total', 'totalPages']);
      }
    });

    it('documents data: null for the handlers that return nothing', () => {
      for (const key of NULL_DATA_OPERATIONS) {
        const operation = operations.find((candidate) => candidate.key === key);
        expect({ key, found: operation !== undefined }).toEqual({ key, found: true });
        const schema = resolveSchema(doc, responseSchema(operation!, '200'));
        expect({ key, data: deref(doc, schema?.properties?.data) }).toMatchObject({
          key,
          data: { nullable: true, enum: [null] },
        });
      }
    });

    it('gives every error response the error envelope, with the stable error codes', () => {
      const problems: string[] = [];
      for (const operation of operations) {
        for (const status of Object.keys(operation.operation.responses)) {
          if (!/^[45]\d\d$/.test(status)) continue;
          const schema = resolveSchema(doc, responseSchema(operation, status));
          const missing = ERROR_BODY_REQUIRED.filter((field) => !schema?.required?.includes(field));
          if (missing.length > 0)
            problems.push(`${operation.key} ${status}: lacks ${missing.join(', ')}`);
        }
      }
      expect(problems).toEqual([]);
      const errorBody = deref(doc, { $ref: '#/components/schemas/ErrorBodyDto' });
      expect(deref(doc, errorBody?.properties?.error)?.enum).toEqual(Object.values(ErrorCode));
      expect(deref(doc, errorBody?.properties?.details)?.type).toBe('array');
    });

    it('documents 401, 403 and x-access on every operation that is not public', () => {
      const problems: string[] = [];
      for (const operation of operations) {
        if (publicKeys.has(operation.key)) continue;
        for (const status of ['401', '403']) {
          const required = resolveSchema(doc, responseSchema(operation, status))?.required ?? [];
          if (!ERROR_BODY_REQUIRED.every((field) => required.includes(field))) {
            problems.push(`${operation.key}: no ${status} error envelope`);
          }
        }
        const access = (operation.operation as unknown as Record<string, unknown>)['x-access'];
        if (typeof access !== 'object' || access === null) {
          problems.push(`${operation.key}: no x-access`);
        }
        if (!JSON.stringify(operation.operation.security).includes('bearer')) {
          problems.push(`${operation.key}: no bearer security`);
        }
      }
      expect(problems).toEqual([]);
      // Not vacuous: the sign-in routes are public, everything else was checked.
      expect(publicKeys).toContain('POST /api/auth/login');
      expect(
        operations.filter((operation) => !publicKeys.has(operation.key)).length,
      ).toBeGreaterThan(20);
    });

    it('documents 429 and the RateLimit headers on every operation but /health, on every non-5xx answer', () => {
      const problems: string[] = [];
      for (const operation of operations) {
        const limited = !operation.path.startsWith('/health');
        const responses = operation.operation.responses as Record<
          string,
          { headers?: Record<string, unknown> }
        >;
        if (limited !== '429' in responses) problems.push(`${operation.key}: 429 ${!limited}`);
        for (const [status, response] of Object.entries(responses)) {
          if (status.startsWith('5')) continue;
          const names = Object.keys(response.headers ?? {});
          const documented = names.includes('RateLimit') && names.includes('RateLimit-Policy');
          if (documented !== limited)
            problems.push(`${operation.key} ${status}: headers ${documented}`);
          if (status === '429' && !names.includes('Retry-After'))
            problems.push(`${operation.key} 429: no Retry-After`);
        }
      }
      expect(problems).toEqual([]);
      expect(Object.keys(doc.components?.headers ?? {})).toEqual(['RateLimit', 'RateLimit-Policy']);
    });

    it('declares the bearer, API key and refresh-cookie security schemes', () => {
      const schemes = doc.components?.securitySchemes ?? {};
      expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      expect(schemes['api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
      // Either credential on a route a key may call; key management takes a person's token only.
      const security = (key: string) =>
        operations.find((operation) => operation.key === key)?.operation.security;
      expect(security('GET /api/products')).toEqual([{ bearer: [] }, { 'api-key': [] }]);
      expect(security('GET /api/auth/me')).toEqual([{ bearer: [] }, { 'api-key': [] }]);
      expect(security('POST /api/api-keys')).toEqual([{ bearer: [] }]);
      expect(security('GET /api/auth/sessions')).toEqual([{ bearer: [] }]);
      expect(schemes['refresh-cookie']).toMatchObject({
        type: 'apiKey',
        in: 'cookie',
        name: 'refresh_token',
      });
      const refresh = operations.find((operation) => operation.key === 'POST /api/auth/refresh');
      expect(refresh?.operation.security).toEqual([{ 'refresh-cookie': [] }]);
    });
  });

  it('serves the same document that `npm run openapi` writes without any backend', async () => {
    const served = (await request(t, 'GET', '/api/docs-json')).document<OpenAPIObject>();
    expect(await generateOpenApiDocument()).toEqual(served);
  });
});

describe('DOCS_ENABLED=false', () => {
  let hidden: TestApp;
  beforeAll(async () => {
    hidden = await startTestApp({ env: { DOCS_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await hidden.close();
  });

  it('serves neither Swagger UI nor the OpenAPI document', async () => {
    for (const path of ['/api/docs', '/api/docs-json']) {
      const response = await request(hidden, 'GET', path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    expect((await request(hidden, 'GET', '/health')).status).toBe(200);
  });
});

/** The statuses of Swagger UI and the OpenAPI document on an app booted with this environment. */
async function docsStatus(env: Record<string, string>): Promise<number[]> {
  const app = await startTestApp({ env });
  try {
    return await Promise.all(
      ['/api/docs', '/api/docs-json'].map(async (path) => (await request(app, 'GET', path)).status),
    );
  } finally {
    await app.close();
  }
}

describe('API documentation with NODE_ENV=development', () => {
  it('is served by default', async () => {
    expect(await docsStatus({ NODE_ENV: 'development' })).toEqual([200, 200]);
  });
});

// Production needs MySQL and Redis, so these boots run in the MariaDB + Redis pass only.
describeMysqlOnly('API documentation with NODE_ENV=production', () => {
  // Production also needs real mail settings; nothing is sent here.
  const production = {
    NODE_ENV: 'production',
    MFA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    SMTP_URL: 'smtp://127.0.0.1:1',
    MAIL_FROM: 'no-reply@example.com',
    APP_URL: 'https://app.example.com',
  };

  it('is off by default', async () => {
    expect(await docsStatus(production)).toEqual([404, 404]);
  });

  it('is served when DOCS_ENABLED=true', async () => {
    expect(await docsStatus({ ...production, DOCS_ENABLED: 'true' })).toEqual([200, 200]);
  });
});
