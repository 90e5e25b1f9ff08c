import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { request } from '../support/api-client';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from '../support/backend';
import { type LogLine, testEnv } from '../support/test-app';
import { sleep } from '../support/time';

/** The built server, exactly as `npm run start:prod` and the Docker image run it. */
const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

interface ServerProcess {
  child: ChildProcess;
  port: number;
  logs: LogLine[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/** Starts `node dist/src/main.js` on a free port and waits until it listens. */
async function startServer(databaseUrl: string): Promise<ServerProcess> {
  const port = await freePort();
  const env = {
    ...testEnv(TEST_BACKEND, databaseUrl, {
      HOST: '127.0.0.1',
      PORT: String(port),
      SHUTDOWN_TIMEOUT: '10s',
    }),
    PATH: process.env.PATH ?? '',
  };
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.trim())) logs.push(JSON.parse(line) as LogLine);
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    });
  });

  const waitForLog = (
    predicate: (line: LogLine) => boolean,
    timeoutMs = 15_000,
  ): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = logs.find(predicate);
        if (found) {
          finish();
          resolve(found);
        } else if (child.exitCode !== null) {
          finish();
          reject(new Error(`server exited (${child.exitCode}) first; stderr: ${stderr.join('')}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `no such log line within ${timeoutMs} ms; logs: ${JSON.stringify(logs)}; stderr: ${stderr.join('')}`,
          ),
        );
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  await waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith('API listening'));
  return { child, port, logs, stderr, exited, waitForLog };
}

/** Resolves once connecting to the port is refused; fails after `timeoutMs`. */
async function waitUntilRefused(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections`);
    await sleep(50);
  }
}

/** Collects everything the server sends on a raw socket until it closes the connection. */
function readUntilClosed(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.once('error', reject);
    socket.once('close', () => resolve(text));
  });
}

/** SIGTERM lets in-flight requests finish, closes the backends and exits 0. */
describe('graceful shutdown of the built server', () => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(MAIN))
      throw new Error(`${MAIN} is missing: run \`npm run build\` first (\`npm test\` does)`);
    database = await createTestDatabase();
  });
  afterEach(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    server = undefined;
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('exits 0 on SIGTERM when idle, after an orderly close of the app', async () => {
    server = await startServer(database.url);
    expect(
      (await request({ baseUrl: `http://127.0.0.1:${server.port}` }, 'GET', '/health')).status,
    ).toBe(200);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['shutting down: finishing in-flight requests', 'shutdown complete']),
    );
    expect(server.logs.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('finishes a request still uploading its body when SIGTERM arrives, and refuses new connections', async () => {
    server = await startServer(database.url);
    const { port } = server;
    const body = JSON.stringify({ note: 'x'.repeat(4000) });
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const response = readUntilClosed(socket);
    socket.write(
      `POST /api/shutdown-probe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: in-flight-1\r\n\r\n`,
    );
    socket.write(body.slice(0, 1000));
    // The request has started once the server has seen its headers; give it a moment to.
    await sleep(300);

    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutting down: finishing in-flight requests');
    // The listening socket closes: a new client cannot get in any more.
    await waitUntilRefused(port);
    expect(server.child.exitCode).toBeNull();

    socket.end(body.slice(1000));
    const raw = await response;
    // The route does not exist: a complete, enveloped 404 proves the request ran to its end.
    expect(raw).toMatch(/^HTTP\/1\.1 404 /);
    expect(raw).toMatch(/\r\nx-request-id: in-flight-1\r\n/i);
    expect(raw).toContain('"error":"NOT_FOUND"');

    expect(await server.exited).toEqual({ code: 0, signal: null });
    const completed = server.logs.find(
      (line) => line.requestId === 'in-flight-1' && line.msg === 'request completed',
    );
    expect(completed).toMatchObject({ statusCode: 404 });
    expect(server.logs.map((line) => line.msg)).toContain('shutdown complete');
  });

  it('leaves an idle keep-alive connection open, serves the next request on it and then closes it', async () => {
    server = await startServer(database.url);
    const { port } = server;
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const get = (id: string): void => {
      socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${id}\r\n\r\n`);
    };
    get('before-sigterm');
    await server.waitForLog((line) => line.requestId === 'before-sigterm');

    // A proxy's pooled connection, idle when SIGTERM comes: closing it now would race with the
    // proxy's next request on it, which the proxy cannot retry when it is a POST.
    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutting down: finishing in-flight requests');
    await waitUntilRefused(port);
    expect(socket.destroyed).toBe(false);

    get('during-drain');
    await closed;
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 200 /);
    expect(answers[1]).toMatch(/\r\nx-request-id: during-drain\r\n/i);
    // The answer tells the client to drop the connection, and the server closes it after.
    expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
