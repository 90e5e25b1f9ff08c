import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApiResponse,
  type AuthData,
  register,
  type Registered,
  request,
  type RequestOptions,
} from '../support/api-client';
import { type ApiProcess, MAIN, startApiProcess } from '../support/api-process';
import { createMysqlDatabase, type TestDatabase, unique } from '../support/backend';
import { type LocalNginx, NGINX_SOURCE_ADDRESS, startNginx } from '../support/nginx';
import { testEnv } from '../support/test-app';
import { sleep, waitFor } from '../support/time';

const AUTH_IP_LIMIT = 6;
const CLIENT_FAILURES = 4; // LOGIN_MAX_FAILURES
const WRONG = 'Wrong-Pass-for-tests';
/** The steady load of the SIGTERM check: requests per second, for this long. */
const LOAD_RATE = 200;
const LOAD_SECONDS = 10;

/** A client address of its own per call (loopback), so no two checks share a budget. */
let lastClient = 10;
function newClient(): string {
  lastClient += 1;
  return `127.0.0.${lastClient}`;
}

/**
 * The deployment of docker-compose.yml without Docker: deploy/nginx.conf (round robin, no
 * sticky sessions) in front of two built API processes on one MariaDB database and one Redis
 * key prefix, TRUST_PROXY naming nginx's address only. Which instance served a request is read
 * from its own JSON log (the X-Request-Id of every request is unique).
 */
describe('two API processes behind nginx', () => {
  let database: TestDatabase;
  let mailDir: string;
  let a: ApiProcess;
  let b: ApiProcess;
  let nginx: LocalNginx;
  let owner: Registered;

  beforeAll(async () => {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: run \`npm run build\` first (\`npm test\` does)`);
    database = await createMysqlDatabase();
    mailDir = mkdtempSync(join(tmpdir(), 'lb-mail-'));
    const env = testEnv('mysql', database.url, {
      TRUST_PROXY: NGINX_SOURCE_ADDRESS,
      AUTH_IP_RATE_LIMIT: String(AUTH_IP_LIMIT),
      LOGIN_MAX_FAILURES: String(CLIENT_FAILURES),
      SHUTDOWN_TIMEOUT: '10s',
      MAIL_OUTBOX_DIR: mailDir,
    });
    // One after the other: the first applies the migrations.
    a = await startApiProcess(env);
    b = await startApiProcess(env);
    nginx = await startNginx([a.port, b.port]);
    owner = await register(nginx, { inBody: true });
  }, 60_000);
  afterAll(async () => {
    a?.dispose();
    b?.dispose();
    await nginx?.dispose();
    await database?.drop();
    if (mailDir) rmSync(mailDir, { recursive: true, force: true });
  });

  /** A request through nginx, tagged so the instance that served it can be named. */
  async function viaNginx<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ response: ApiResponse<T>; servedBy: 'a' | 'b' }> {
    const id = `lb-${unique()}`;
    const response = await request<T>(nginx, method, path, {
      ...options,
      headers: { ...options.headers, 'x-request-id': id },
    });
    // The access line is written as the answer goes out: it may trail the answer by a moment.
    await waitFor(() => a.served(id) || b.served(id), 2000).catch(() => {
      throw new Error(`no instance logged ${response.describe()}`);
    });
    return { response, servedBy: a.served(id) ? 'a' : 'b' };
  }

  const login = (who: Registered, password: string, client = newClient()) =>
    viaNginx<AuthData>('POST', '/api/auth/login', {
      body: { email: who.email, password, refreshTokenInBody: true },
      tenant: who.organization.subdomain,
      localAddress: client,
    });

  it('spreads login, /me and refresh over both instances, and each works wherever it lands', async () => {
    const served = { login: new Set<string>(), me: new Set<string>(), refresh: new Set<string>() };
    let refreshToken = owner.tokens.refreshToken ?? '';
    for (let round = 0; round < 2; round += 1) {
      const signedIn = await login(owner, owner.password);
      expect(signedIn.response.status).toBe(200);
      served.login.add(signedIn.servedBy);
      const me = await viaNginx('GET', '/api/auth/me', {
        token: signedIn.response.body.data.tokens.accessToken,
      });
      expect(me.response.status).toBe(200);
      served.me.add(me.servedBy);
      const rotated = await viaNginx<AuthData>('POST', '/api/auth/refresh', {
        body: { refreshToken },
      });
      expect(rotated.response.status).toBe(200);
      served.refresh.add(rotated.servedBy);
      refreshToken = rotated.response.body.data.tokens.refreshToken ?? '';
    }
    expect(served).toEqual({
      login: new Set(['a', 'b']),
      me: new Set(['a', 'b']),
      refresh: new Set(['a', 'b']),
    });
  });

  /** Two requests in a row: round robin sends them to both instances, and the test checks it. */
  async function onBoth(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ statuses: number[]; servedBy: Set<string> }> {
    const first = await viaNginx(method, path, options);
    const second = await viaNginx(method, path, options);
    return {
      statuses: [first.response.status, second.response.status],
      servedBy: new Set([first.servedBy, second.servedBy]),
    };
  }

  it('a logout through one instance is refused by both on the next requests', async () => {
    const { accessToken, refreshToken } = (await login(owner, owner.password)).response.body.data
      .tokens;
    expect(await onBoth('GET', '/api/auth/me', { token: accessToken })).toEqual({
      statuses: [200, 200],
      servedBy: new Set(['a', 'b']),
    });
    const logout = await viaNginx('POST', '/api/auth/logout', { body: {}, token: accessToken });
    expect(logout.response.status).toBe(200);
    expect(await onBoth('GET', '/api/auth/me', { token: accessToken })).toEqual({
      statuses: [401, 401],
      servedBy: new Set(['a', 'b']),
    });
    expect(await onBoth('POST', '/api/auth/refresh', { body: { refreshToken } })).toMatchObject({
      statuses: [401, 401],
    });
  });

  it('a role change through one instance is enforced by both on the next requests', async () => {
    const staffPassword = 'Staff-member-pass-5150';
    const email = `staff@${owner.organization.subdomain}.test`;
    const admin = (await login(owner, owner.password)).response.body.data.tokens.accessToken;
    const created = await viaNginx<{ id: string }>('POST', '/api/users', {
      body: {
        email,
        password: staffPassword,
        firstName: 'Grace',
        lastName: 'Hopper',
        roles: ['staff'],
      },
      token: admin,
    });
    expect(created.response.status).toBe(201);
    const patchRoles = (roles: string[]) =>
      viaNginx('PATCH', `/api/users/${created.response.body.data.id}`, {
        body: { roles },
        token: admin,
      });
    const staff = { ...owner, email, password: staffPassword };
    const token = (await login(staff, staffPassword)).response.body.data.tokens.accessToken;
    expect(await onBoth('GET', '/api/users', { token })).toEqual({
      statuses: [200, 200],
      servedBy: new Set(['a', 'b']),
    });

    expect((await patchRoles(['client'])).response.status).toBe(200);
    expect(await onBoth('GET', '/api/users', { token })).toEqual({
      statuses: [403, 403],
      servedBy: new Set(['a', 'b']),
    });
  });

  it('failed logins spread over both instances lock the account out for that client', async () => {
    const client = newClient();
    const servedBy = new Set<string>();
    for (let attempt = 1; attempt <= CLIENT_FAILURES; attempt += 1) {
      const failed = await login(owner, WRONG, client);
      expect(failed.response.status).toBe(401);
      servedBy.add(failed.servedBy);
    }
    // Neither instance saw CLIENT_FAILURES failures itself: only the shared count locks.
    expect(servedBy).toEqual(new Set(['a', 'b']));
    const locked = await onBoth('POST', '/api/auth/login', {
      body: { email: owner.email, password: owner.password },
      tenant: owner.organization.subdomain,
      localAddress: client,
    });
    expect(locked).toEqual({ statuses: [429, 429], servedBy: new Set(['a', 'b']) });
    // Another client of the same account is not locked out.
    expect((await login(owner, owner.password)).response.status).toBe(200);
  });

  it('counts AUTH_IP_RATE_LIMIT across both instances, per real client address', async () => {
    const client = newClient();
    const servedBy = new Set<string>();
    for (let attempt = 1; attempt <= AUTH_IP_LIMIT; attempt += 1) {
      const allowed = await login(owner, owner.password, client);
      expect(allowed.response.status).toBe(200);
      servedBy.add(allowed.servedBy);
    }
    expect(servedBy).toEqual(new Set(['a', 'b']));
    const refused = await login(owner, owner.password, client);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toMatch(/^\d+$/);
    // The limit is the client's, not nginx's: the next address is still let in.
    expect((await login(owner, owner.password)).response.status).toBe(200);
  });

  describe('the audit log', () => {
    const loginRows = async (): Promise<{ ip: string | null; requestId: string | null }[]> => {
      const admin = (await login(owner, owner.password)).response.body.data.tokens.accessToken;
      const page = await viaNginx<{ ip: string | null; requestId: string | null }[]>(
        'GET',
        '/api/audit-logs?action=auth.login.succeeded&limit=100',
        { token: admin },
      );
      expect(page.response.status).toBe(200);
      return page.response.body.data;
    };

    it('records the real client address nginx forwards, not what the client claims', async () => {
      const client = newClient();
      const signedIn = await login(owner, owner.password, client);
      const forged = await viaNginx('POST', '/api/auth/login', {
        body: { email: owner.email, password: owner.password },
        tenant: owner.organization.subdomain,
        localAddress: client,
        headers: { 'x-forwarded-for': '203.0.113.66' },
      });
      expect(forged.response.status).toBe(200);
      const rows = await loginRows();
      const ipOf = (response: ApiResponse) =>
        rows.find((row) => row.requestId === response.headers.get('x-request-id'))?.ip;
      // The API's TCP peer is nginx (NGINX_SOURCE_ADDRESS); the address is the client's.
      expect(ipOf(signedIn.response)).toBe(client);
      expect(ipOf(forged.response)).toBe(client);
    });

    it('ignores an X-Forwarded-For sent straight to an instance by a client not in TRUST_PROXY', async () => {
      const client = newClient();
      const direct = await request(a, 'POST', '/api/auth/login', {
        body: { email: owner.email, password: owner.password },
        tenant: owner.organization.subdomain,
        localAddress: client,
        headers: { 'x-forwarded-for': '203.0.113.67' },
      });
      expect(direct.status).toBe(200);
      const row = (await loginRows()).find(
        (entry) => entry.requestId === direct.headers.get('x-request-id'),
      );
      expect(row?.ip).toBe(client);
    });
  });

  // Last: it stops instance a.
  it('SIGTERM to one instance under steady load fails no request: it drains and exits 0, the other serves on', async () => {
    const token = (await login(owner, owner.password)).response.body.data.tokens.accessToken;
    const total = LOAD_RATE * LOAD_SECONDS;
    let exitedAt = Infinity;
    const exitCode = a.exited.then((code) => {
      exitedAt = Date.now();
      return code;
    });
    const sent: { id: string; method: string; at: number; answer: Promise<ApiResponse | Error> }[] =
      [];
    const start = Date.now();
    let sigtermAt = 0;
    for (let index = 0; index < total; index += 1) {
      const due = start + (index * 1000) / LOAD_RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      if (index === Math.floor(total * 0.3)) {
        a.child.kill('SIGTERM');
        sigtermAt = Date.now();
      }
      // Every fifth request is a POST, which nginx never retries once sent: only the server's
      // drain keeps it from failing.
      const post = index % 5 === 4;
      const id = `load-${index}-${unique()}`;
      const options: RequestOptions = post
        ? { body: { refreshToken: 'not-a-refresh-token' } }
        : { token };
      const answer = request(
        nginx,
        post ? 'POST' : 'GET',
        post ? '/api/auth/refresh' : '/api/auth/me',
        {
          ...options,
          headers: { 'x-request-id': id },
        },
      ).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      sent.push({ id, method: post ? 'POST' : 'GET', at: Date.now(), answer });
    }
    const answers = await Promise.all(sent.map((item) => item.answer));
    const sendingEnded = Date.now();

    const failures = answers
      .map((answer, index) => ({ answer, request: sent[index] }))
      .filter(({ answer, request: { method } }) =>
        answer instanceof Error ? true : answer.status !== (method === 'GET' ? 200 : 401),
      )
      .map(({ answer }) => (answer instanceof Error ? answer.message : answer.describe()));
    if (failures.length)
      process.stderr.write(`NGINXLOG\n${nginx.errorLog()}\nSIGTERM at ${sigtermAt}\n`);
    // nginx's error log says why an attempt failed (refused, reset, closed early).
    expect({ failures, nginx: failures.length ? nginx.errorLog() : '' }).toEqual({
      failures: [],
      nginx: '',
    });
    // Every POST was answered by the API itself (its envelope), not by nginx.
    for (const answer of answers)
      if (answer instanceof Error === false && answer.method === 'POST')
        expect(answer.body).toMatchObject({ success: false, statusCode: 401 });

    expect(await exitCode).toBe(0);
    expect(a.logs().map((line) => line.msg)).toEqual(
      expect.arrayContaining(['shutting down: finishing in-flight requests', 'shutdown complete']),
    );
    expect(exitedAt).toBeLessThan(sendingEnded);
    const before = sent.filter((item) => item.at < sigtermAt);
    expect(before.some((item) => a.served(item.id))).toBe(true);
    const after = sent.filter((item) => item.at > exitedAt);
    expect(after.length).toBeGreaterThan(0);
    // B's access lines may trail its last answers by a moment.
    const notByB = (): string[] => after.map((item) => item.id).filter((id) => !b.served(id));
    await waitFor(() => notByB().length === 0, 3000).catch(() => undefined);
    expect(notByB()).toEqual([]);
  }, 40_000);
});
