import { me, request } from '../support/api-client';
import { createOrg, login, type ModelUser, refresh } from '../support/session-model';
import { startTestApp, type TestApp } from '../support/test-app';
import { sleep } from '../support/time';

describe('SESSION_IDLE_TIMEOUT', () => {
  let t: TestApp;
  let user: ModelUser;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SESSION_IDLE_TIMEOUT: '2s',
        JWT_REFRESH_EXPIRES_IN: '30s',
        SESSION_MAX_AGE: '60s',
      },
    });
    [user] = (await createOrg(t, 'idle', 1)).users;
  });
  afterAll(async () => {
    await t.close();
  });

  it('ends a session with no request for that long, while requests keep another one alive', async () => {
    await login(t, user);
    await login(t, user);
    const [active, idle] = user.sessions;
    for (let round = 0; round < 5; round += 1) {
      await sleep(600);
      expect((await me(t, active.access)).status).toBe(200);
    }
    expect((await me(t, idle.access)).status).toBe(401);
    expect((await refresh(t, idle)).status).toBe(401);
    const listed = await request(t, 'GET', '/api/auth/sessions', { token: active.access });
    expect(listed.json<{ id: string }[]>().data.map((session) => session.id)).toEqual([active.id]);
    expect((await refresh(t, active)).status).toBe(200);
  });
});
