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
    const response = await request(t, 'POST', '/api/anything', {
      headers: { 'content-type': 'application/json' },
      rawBody: '{bad',
    });
    const body = response.body;
    expect(body).toMatchObject({ success: false, statusCode: response.status });
  });
});
