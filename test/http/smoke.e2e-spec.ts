import { request } from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers /health', async () => {
    const response = await request(t, 'GET', '/health');
    expect(response.status).toBe(200);
    const body = response.document<{ status: string }>();
    expect(body.status).toBe('ok');
  });

  it('rejects malformed JSON in the envelope', async () => {
    const response = await request(t, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/json' },
      rawBody: '{bad',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      success: false,
      error: 'MALFORMED_JSON',
      statusCode: 400,
      requestId: response.headers.get('x-request-id'),
    });
    expect(response.body.requestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });
});
