import type { OpenAPIObject } from '@nestjs/swagger';
import { generateOpenApiDocument } from '../src/openapi';
import { readJson } from './support/http';
import { startTestApp, type TestApp } from './support/test-app';

/** Issue 2 §1: Swagger UI at /api/docs, the OpenAPI document at /api/docs-json, both working under our CSP. */
describe('API documentation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves Swagger UI as HTML at /api/docs', async () => {
    const response = await t.request('/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<div id="swagger-ui">');
  });

  it('loads every script and stylesheet of the UI from our own origin, with no inline script', async () => {
    const html = await (await t.request('/api/docs')).text();
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
      const response = await t.request(asset);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      await response.arrayBuffer();
    }
  });

  it('serves the OpenAPI document at /api/docs-json', async () => {
    const response = await t.request('/api/docs-json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = await readJson<OpenAPIObject>(response);
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBeTruthy();
    expect(document.paths['/health']?.get).toBeDefined();
    expect(document.components?.securitySchemes).toHaveProperty('bearer');
    // The envelope is part of the contract the description documents.
    expect(document.info.description).toMatch(/requestId/);
  });

  it('serves the same document that `npm run openapi` writes without any backend', async () => {
    const served = await readJson<OpenAPIObject>(await t.request('/api/docs-json'));
    expect(await generateOpenApiDocument()).toEqual(served);
  });
});
