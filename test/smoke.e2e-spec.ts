import { type ErrorBody, readJson } from './support/http';
import { startTestApp, type TestApp } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers /health', async () => {
    const response = await t.request('/health');
    expect(response.status).toBe(200);
    const body = await readJson<{ status: string }>(response);
    expect(body.status).toBe('ok');
  });

  it('rejects malformed JSON in the envelope', async () => {
    const response = await t.request('/api/anything', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    });
    const body = await readJson<ErrorBody>(response);
    expect(body).toMatchObject({ success: false, statusCode: response.status });
  });
});
