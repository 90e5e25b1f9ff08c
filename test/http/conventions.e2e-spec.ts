import { type ApiBody, type ApiResponse, request } from '../support/api-client';
import { PROBE_SECRET_DETAIL, ProbeModule } from '../support/probe.module';
import { startTestApp, type TestApp } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const validItem = {
  name: 'Widget',
  email: 'buyer@example.com',
  age: 42,
  address: { city: 'Lyon' },
};

/** One success envelope, one error envelope, never a 500 for a client mistake. */
describe('HTTP conventions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT: '2kb' }, extraImports: [ProbeModule] });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Asserts the error envelope and that its requestId is the one in the X-Request-Id header. */
  async function expectError(
    response: ApiResponse,
    status: number,
    code: string,
  ): Promise<ApiBody> {
    const body = response.body;
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({
      success: false,
      error: code,
      message: expect.any(String) as string,
      statusCode: status,
      requestId: response.headers.get('x-request-id'),
      ...(body.details ? { details: body.details } : {}),
    });
    expect(body.message.length).toBeGreaterThan(0);
    return body;
  }

  describe('success envelope', () => {
    it('wraps a handler result with the route message', async () => {
      const response = await request(t, 'POST', '/api/probe/items', { body: validItem });
      expect(response.status).toBe(201);
      expect(response.json<typeof validItem>()).toEqual({
        success: true,
        data: validItem,
        message: 'Item created',
      });
    });

    it('adds pagination to lists', async () => {
      const response = await request(t, 'GET', '/api/probe/items');
      expect(response.status).toBe(200);
      expect(response.json<unknown>()).toEqual({
        success: true,
        data: [{ id: 1 }, { id: 2 }],
        pagination: { page: 2, limit: 2, total: 5, totalPages: 3 },
        message: 'OK',
      });
    });

    it('turns an empty result into data: null', async () => {
      const response = await request(t, 'GET', '/api/probe/nothing');
      expect(response.json<unknown>()).toEqual({
        success: true,
        data: null,
        message: 'OK',
      });
    });
  });

  describe('validation', () => {
    it('reports one details entry per failing field, nested and unknown fields included', async () => {
      const response = await request(t, 'POST', '/api/probe/items', {
        body: {
          name: 'x',
          email: 'not-an-email',
          age: 'old',
          address: { city: '' },
          isAdmin: true,
        },
      });
      const body = await expectError(response, 400, 'VALIDATION_ERROR');
      const details = body.details ?? [];
      expect(details.map((detail) => detail.field).sort()).toEqual([
        'address.city',
        'age',
        'email',
        'isAdmin',
        'name',
      ]);
      for (const detail of details) expect(detail.messages.length).toBeGreaterThan(0);
      expect(details.find((detail) => detail.field === 'isAdmin')?.messages.join(' ')).toMatch(
        /should not exist/,
      );
    });

    it('reports missing required fields', async () => {
      const body = await expectError(
        await request(t, 'POST', '/api/probe/items', { body: {} }),
        400,
        'VALIDATION_ERROR',
      );
      expect(body.details?.map((detail) => detail.field).sort()).toEqual([
        'address',
        'age',
        'email',
        'name',
      ]);
    });

    it('refuses a body that is not a JSON object', async () => {
      await expectError(
        await request(t, 'POST', '/api/probe/items', { body: [validItem] }),
        400,
        'VALIDATION_ERROR',
      );
      await expectError(
        await request(t, 'POST', '/api/probe/items', { body: 'text' }),
        400,
        'VALIDATION_ERROR',
      );
    });

    it('refuses a missing body on a route that needs one', async () => {
      const response = await request(t, 'POST', '/api/probe/items', {
        headers: { 'content-type': 'application/json' },
      });
      await expectError(response, 400, 'VALIDATION_ERROR');
    });
  });

  describe('client errors never become a 500', () => {
    it('answers an unknown route with 404 NOT_FOUND, under the prefix and outside it', async () => {
      const body = await expectError(
        await request(t, 'GET', '/api/does-not-exist?x=1'),
        404,
        'NOT_FOUND',
      );
      expect(body.message).toBe('Route GET /api/does-not-exist not found');
      await expectError(await request(t, 'DELETE', '/does-not-exist'), 404, 'NOT_FOUND');
    });

    it('answers a path parameter over 100 characters with 400 BAD_REQUEST, not a 404', async () => {
      const body = await expectError(
        await request(t, 'GET', `/api/users/${'a'.repeat(101)}`),
        400,
        'BAD_REQUEST',
      );
      expect(body.message).toBe('A path parameter is longer than 100 characters');
      // At the limit the router matches, and the guard answers as for any protected route.
      expect((await request(t, 'GET', `/api/users/${'a'.repeat(100)}`)).status).toBe(401);
    });

    it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
      const response = await request(t, 'POST', '/api/probe/items', {
        headers: { 'content-type': 'application/json' },
        rawBody: '{"name": "Widget",',
      });
      await expectError(response, 400, 'MALFORMED_JSON');
    });

    it('answers a prototype-poisoning body with 400 MALFORMED_JSON', async () => {
      const response = await request(t, 'POST', '/api/probe/items', {
        headers: { 'content-type': 'application/json' },
        rawBody: '{"name": "Widget", "__proto__": {"isAdmin": true}}',
      });
      await expectError(response, 400, 'MALFORMED_JSON');
    });

    it.each([
      ['text/plain', 'name=Widget'],
      ['application/x-www-form-urlencoded', 'name=Widget'],
      ['multipart/form-data; boundary=x', '--x--'],
    ])('answers content type %s with 415 UNSUPPORTED_MEDIA_TYPE', async (contentType, body) => {
      const response = await request(t, 'POST', '/api/probe/items', {
        headers: { 'content-type': contentType },
        rawBody: body,
      });
      await expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers a body over BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
      expect(t.config.bodyLimitBytes).toBe(2048);
      const response = await request(t, 'POST', '/api/probe/items', {
        body: { ...validItem, name: 'x'.repeat(4096) },
      });
      await expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('accepts a body just under BODY_LIMIT', async () => {
      const padding = 'x'.repeat(1800);
      const response = await request(t, 'POST', '/api/probe/items', {
        body: { ...validItem, name: padding },
      });
      // Reaches validation (name is too long), so the size check let it through.
      await expectError(response, 400, 'VALIDATION_ERROR');
    });
  });

  describe('unexpected errors', () => {
    it('answers 500 with a generic message and logs the detail with the request id', async () => {
      const response = await request(t, 'GET', '/api/probe/boom', {
        headers: { 'x-request-id': 'boom-trace-1' },
      });
      const body = await expectError(response, 500, 'INTERNAL_ERROR');
      expect(body.message).toBe('Internal server error');
      expect(body.requestId).toBe('boom-trace-1');
      expect(JSON.stringify(body)).not.toContain('hunter2');

      const errorLine = t.logs.find(
        (line) => line.level >= 50 && line.requestId === 'boom-trace-1',
      );
      expect(errorLine).toBeDefined();
      expect(JSON.stringify(errorLine)).toContain(PROBE_SECRET_DETAIL);
    });
  });

  describe('request id', () => {
    it('echoes a sane incoming X-Request-Id in the header, the error body and every log line of the request', async () => {
      const id = 'client-trace_42:abc.DEF';
      const response = await request(t, 'GET', '/api/does-not-exist', {
        headers: { 'x-request-id': id },
      });
      expect(response.headers.get('x-request-id')).toBe(id);
      expect(response.body.requestId).toBe(id);

      const completed = t.logs.find(
        (line) => line.requestId === id && line.msg === 'request completed',
      );
      expect(completed).toMatchObject({
        method: 'GET',
        path: '/api/does-not-exist',
        statusCode: 404,
      });
      expect(typeof completed?.durationMs).toBe('number');
    });

    it('puts the same id on every log line of a failing request', async () => {
      const response = await request(t, 'GET', '/api/probe/boom');
      const id = response.headers.get('x-request-id') ?? '';
      expect(id).toMatch(UUID);
      const lines = t.logs.filter((line) => line.requestId === id);
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['Internal server error', 'request completed']),
      );
    });

    it.each([
      ['too long', 'a'.repeat(129)],
      ['spaces and markup', 'abc <script>'],
      ['a newline-free but non-ASCII value', 'ïd-ünicode'],
      ['empty', ''],
    ])('replaces an insane id (%s) with a generated one', async (_case, id) => {
      const response = await request(t, 'GET', '/api/probe/nothing', {
        headers: { 'x-request-id': id },
      });
      const echoed = response.headers.get('x-request-id');
      expect(echoed).toMatch(UUID);
      expect(t.logs.some((line) => line.requestId === id)).toBe(false);
    });

    it('generates a fresh id per request when none is sent', async () => {
      const first = (await request(t, 'GET', '/api/probe/nothing')).headers.get('x-request-id');
      const second = (await request(t, 'GET', '/api/probe/nothing')).headers.get('x-request-id');
      expect(first).toMatch(UUID);
      expect(second).toMatch(UUID);
      expect(first).not.toBe(second);
    });

    it('sends the id on success responses and on /health as well', async () => {
      for (const path of ['/api/probe/items', '/health']) {
        const response = await request(t, 'GET', path, { headers: { 'x-request-id': 'ok-trace' } });
        expect(response.headers.get('x-request-id')).toBe('ok-trace');
      }
    });
  });
});
