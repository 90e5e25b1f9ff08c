import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MAX_USER_AGENT_LENGTH } from '../../src/context/request-context';
import { AuditAction } from '../../src/modules/audit/audit-actions';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import {
  type ApiResponse,
  type AuthData,
  bearer,
  login,
  me,
  newSubdomain,
  refreshInBody,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { sessionIdOfAccessToken } from '../support/tokens';

interface SessionView {
  id: string;
  current: boolean;
  userAgent: string | null;
  ip: string | null;
}

interface Device {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

describe('sessions, logout everywhere and password changes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  async function signIn(
    owner: Registered,
    userAgent: string,
    password = owner.password,
  ): Promise<Device> {
    const response = await request(t, 'POST', '/api/auth/login', {
      body: { email: owner.email, password, refreshTokenInBody: true },
      headers: { 'x-tenant-id': owner.organization.subdomain, 'user-agent': userAgent },
    });
    expect(response.status).toBe(200);
    const { tokens } = response.json<AuthData>().data;
    return {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken!,
      sessionId: sessionIdOfAccessToken(tokens.accessToken),
    };
  }

  const refresh = (device: Device) => refreshInBody(t, device.refreshToken);
  const listSessions = async (device: Device) => {
    const response = await request(t, 'GET', '/api/auth/sessions', {
      headers: bearer(device.accessToken),
    });
    expect(response.status).toBe(200);
    return response.json<SessionView[]>().data;
  };
  const endSession = (device: Device, id: string) =>
    request(t, 'DELETE', `/api/auth/sessions/${id}`, { headers: bearer(device.accessToken) });

  it('lists both sessions of two logins, marking the caller current', async () => {
    const owner = await register(t);
    const laptop = await signIn(owner, 'laptop-browser/1.0');
    const phone = await signIn(owner, 'phone-app/2.0');

    const fromLaptop = await listSessions(laptop);
    const ids = fromLaptop.map((session) => session.id);
    expect(ids).toEqual(expect.arrayContaining([laptop.sessionId, phone.sessionId]));
    expect(fromLaptop.filter((session) => session.current).map((session) => session.id)).toEqual([
      laptop.sessionId,
    ]);
    expect(fromLaptop.find((session) => session.id === phone.sessionId)).toMatchObject({
      userAgent: 'phone-app/2.0',
      current: false,
    });
    expect(fromLaptop.find((session) => session.id === laptop.sessionId)?.ip).toBe('127.0.0.1');

    const fromPhone = await listSessions(phone);
    expect(fromPhone.filter((session) => session.current).map((session) => session.id)).toEqual([
      phone.sessionId,
    ]);
  });

  it('keeps the first MAX_USER_AGENT_LENGTH characters of a long User-Agent, in the session and its audit row', async () => {
    const owner = await register(t);
    const userAgent = `long-agent/${'x'.repeat(MAX_USER_AGENT_LENGTH)}`;
    const kept = userAgent.slice(0, MAX_USER_AGENT_LENGTH);
    const device = await signIn(owner, userAgent);

    const sessions = await listSessions(device);
    expect(sessions.find((session) => session.id === device.sessionId)?.userAgent).toBe(kept);
    const loginRow = await t.app
      .get(DataSource)
      .getRepository(AuditLog)
      .findOneByOrFail({ action: AuditAction.LOGIN_SUCCEEDED, userId: owner.user.id });
    expect(loginRow.userAgent).toBe(kept);
  });

  it('DELETE /sessions/:id ends that session at once: its access token and refresh token stop working', async () => {
    const owner = await register(t);
    const laptop = await signIn(owner, 'laptop');
    const phone = await signIn(owner, 'phone');
    expect((await me(t, phone.accessToken)).status).toBe(200);

    const ended = await endSession(laptop, phone.sessionId);
    expect(ended.status).toBe(200);
    expect((await me(t, phone.accessToken)).status).toBe(401);
    expect((await refresh(phone)).status).toBe(401);
    expect((await listSessions(laptop)).map((session) => session.id)).not.toContain(
      phone.sessionId,
    );
    expect((await me(t, laptop.accessToken)).status).toBe(200);
    // Ending it twice: it no longer exists.
    expect((await endSession(laptop, phone.sessionId)).status).toBe(404);
  });

  it('DELETE of an unknown session or of another user’s session gives 404 and ends nothing', async () => {
    const owner = await register(t);
    const stranger = await register(t);
    const device = await signIn(owner, 'laptop');
    const strangerDevice = await signIn(stranger, 'laptop');

    const unknown = await endSession(device, randomUUID());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('NOT_FOUND');
    const foreign = await endSession(device, strangerDevice.sessionId);
    expect(foreign.status).toBe(404);
    expect((await me(t, strangerDevice.accessToken)).status).toBe(200);
    expect((await endSession(device, 'not-a-uuid')).status).toBe(400);
  });

  it('ending the current session through DELETE /sessions/:id also refuses its access token', async () => {
    const owner = await register(t);
    const device = await signIn(owner, 'laptop');
    expect((await endSession(device, device.sessionId)).status).toBe(200);
    expect((await me(t, device.accessToken)).status).toBe(401);
  });

  it('POST /logout-all ends every session of the user: every token is refused', async () => {
    const owner = await register(t);
    const devices = [await signIn(owner, 'a'), await signIn(owner, 'b'), await signIn(owner, 'c')];
    const other = await register(t);

    const response = await request(t, 'POST', '/api/auth/logout-all', {
      body: {},
      headers: bearer(devices[0].accessToken),
    });
    expect(response.status).toBe(200);
    expect(response.json<{ sessionsEnded: number }>().data.sessionsEnded).toBeGreaterThanOrEqual(4);
    for (const device of devices) {
      expect((await me(t, device.accessToken)).status).toBe(401);
      expect((await refresh(device)).status).toBe(401);
    }
    expect((await me(t, owner.tokens.accessToken)).status).toBe(401);
    // Nobody else is affected.
    expect((await me(t, other.tokens.accessToken)).status).toBe(200);
  });

  describe('change-password', () => {
    const changePassword = (device: Device, currentPassword: string, newPassword: string) =>
      request(t, 'POST', '/api/auth/change-password', {
        body: { currentPassword, newPassword },
        headers: bearer(device.accessToken),
      });

    it('refuses a wrong current password with 400 and changes nothing', async () => {
      const owner = await register(t);
      const device = await signIn(owner, 'laptop');
      const other = await signIn(owner, 'phone');
      const response = await changePassword(device, 'Not-the-current-one-1', 'Brand-new-pass-4821');
      expect(response.status).toBe(400);
      expect((await me(t, other.accessToken)).status).toBe(200);
      expect(
        (await login(t, owner.organization.subdomain, owner.email, owner.password)).status,
      ).toBe(200);
    });

    it('refuses a weak new password with 400 VALIDATION_ERROR', async () => {
      const owner = await register(t);
      const device = await signIn(owner, 'laptop');
      for (const weak of ['password123', 'short7!', 'a'.repeat(73)]) {
        const response = await changePassword(device, owner.password, weak);
        expect(response.status).toBe(400);
        const body = response.body;
        expect(body.error).toBe('VALIDATION_ERROR');
        expect(body.details?.map((detail) => detail.field)).toContain('newPassword');
      }
      expect(
        (await login(t, owner.organization.subdomain, owner.email, owner.password)).status,
      ).toBe(200);
    });

    it('ends every other session, keeps the current one, and only the new password logs in', async () => {
      const owner = await register(t);
      const current = await signIn(owner, 'laptop');
      const other = await signIn(owner, 'phone');
      const newPassword = 'Brand-new-pass-4821';

      const response = await changePassword(current, owner.password, newPassword);
      expect(response.status).toBe(200);
      expect(
        response.json<{ otherSessionsEnded: number }>().data.otherSessionsEnded,
      ).toBeGreaterThanOrEqual(2);

      expect((await me(t, current.accessToken)).status).toBe(200);
      expect((await me(t, other.accessToken)).status).toBe(401);
      expect((await refresh(other)).status).toBe(401);
      expect((await me(t, owner.tokens.accessToken)).status).toBe(401);
      expect((await listSessions(current)).map((session) => session.id)).toEqual([
        current.sessionId,
      ]);
      expect((await refresh(current)).status).toBe(200);

      expect(
        (await login(t, owner.organization.subdomain, owner.email, owner.password)).status,
      ).toBe(401);
      expect((await login(t, owner.organization.subdomain, owner.email, newPassword)).status).toBe(
        200,
      );
    });
  });

  describe('password rules at registration', () => {
    function registerWith(password: string): Promise<ApiResponse> {
      const subdomain = newSubdomain('pw');
      return request(t, 'POST', '/api/auth/register', {
        body: {
          organization: { name: `Org ${subdomain}`, subdomain },
          email: `owner@${subdomain}.test`,
          password,
          firstName: 'Ada',
          lastName: 'Lovelace',
        },
      });
    }

    async function expectRefused(password: string, message: RegExp): Promise<void> {
      const response = await registerWith(password);
      expect(response.status).toBe(400);
      const body = response.body;
      expect(body.error).toBe('VALIDATION_ERROR');
      const detail = body.details?.find((item) => item.field === 'password');
      expect(detail?.messages.join(' ')).toMatch(message);
      expect(JSON.stringify(body)).not.toContain(password);
    }

    it('refuses 7 characters', async () => {
      await expectRefused('Xy7#kQz', /at least 8 characters/);
    });

    it('refuses more than 72 bytes of UTF-8 instead of truncating, and accepts exactly 72', async () => {
      const seventyThreeBytes = `a${'é'.repeat(36)}`;
      expect(Buffer.byteLength(seventyThreeBytes)).toBe(73);
      expect([...seventyThreeBytes]).toHaveLength(37);
      await expectRefused(seventyThreeBytes, /72 bytes/);
      await expectRefused('é'.repeat(37), /72 bytes/);

      const seventyTwoBytes = 'é'.repeat(36);
      expect(Buffer.byteLength(seventyTwoBytes)).toBe(72);
      expect((await registerWith(seventyTwoBytes)).status).toBe(201);
    });

    it('refuses common passwords, whatever their case', async () => {
      await expectRefused('password123', /common/);
      await expectRefused('Password123', /common/);
      await expectRefused('qwertyuiop', /common/);
    });

    it('never puts the password or its hash in a response or a log line', async () => {
      const subdomain = newSubdomain('leak');
      const password = `Unique-${randomUUID()}`;
      const email = `owner@${subdomain}.test`;
      const registered = await request(t, 'POST', '/api/auth/register', {
        body: {
          organization: { name: `Org ${subdomain}`, subdomain },
          email,
          password,
          firstName: 'Ada',
          lastName: 'Lovelace',
        },
      });
      expect(registered.status).toBe(201);
      const registeredText = registered.text;
      const loggedIn = await login(t, subdomain, email, password);
      expect(loggedIn.status).toBe(200);
      const loggedInText = loggedIn.text;
      const accessToken = (JSON.parse(loggedInText) as { data: AuthData }).data.tokens.accessToken;
      const meText = (await me(t, accessToken)).text;
      const wrong = (await login(t, subdomain, email, `${password}-wrong`)).text;

      for (const text of [registeredText, loggedInText, meText, wrong]) {
        expect(text).not.toContain(password);
        expect(text).not.toMatch(/passwordHash|password_hash|"password"/i);
        expect(text).not.toMatch(/\$2[aby]\$\d\d\$/);
      }
      const logs = JSON.stringify(t.logs);
      expect(logs).not.toContain(password);
      expect(logs).not.toMatch(/\$2[aby]\$\d\d\$/);
    });
  });
});
