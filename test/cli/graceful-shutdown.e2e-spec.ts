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

  /** A raw HTTP/1.1 request; keep-alive, so only the server's answer can end the connection. */
  const rawRequest = (method: string, path: string, id: string, body = ''): string =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${id}\r\n` +
    (body
      ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
      : '') +
    `\r\n${body}`;

  /** An open connection that has had one answer (a proxy's pooled connection, now idle). */
  async function idleConnection(
    port: number,
    id: string,
  ): Promise<{ socket: Socket; answers: Promise<string> }> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const answers = readUntilClosed(socket);
    socket.write(rawRequest('GET', '/health/live', id));
    await server?.waitForLog((line) => line.requestId === id);
    return { socket, answers };
  }

  it('finishes a request still uploading its body when SIGTERM arrives, and refuses what a proxy can retry', async () => {
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
    // A GET on a new connection is refused with 503, which a proxy retries on another instance.
    const late = connect(port, '127.0.0.1');
    const lateAnswer = readUntilClosed(late);
    late.write(rawRequest('GET', '/health/live', 'late-1'));
    const refused = await lateAnswer;
    expect(refused).toMatch(/^HTTP\/1\.1 503 /);
    expect(refused).toMatch(/\r\nconnection: close\r\n/i);
    expect(refused).toContain('"error":"SERVICE_UNAVAILABLE"');
    expect(server.child.exitCode).toBeNull();

    socket.end(body.slice(1000));
    const raw = await response;
    // The route does not exist: a complete, enveloped 404 proves the request ran to its end.
    expect(raw).toMatch(/^HTTP\/1\.1 404 /);
    expect(raw).toMatch(/\r\nx-request-id: in-flight-1\r\n/i);
    expect(raw).toContain('"error":"NOT_FOUND"');

    expect(await server.exited).toEqual({ code: 0, signal: null });
    await waitUntilRefused(port);
    const completed = server.logs.find(
      (line) => line.requestId === 'in-flight-1' && line.msg === 'request completed',
    );
    expect(completed).toMatchObject({ statusCode: 404 });
    expect(server.logs.map((line) => line.msg)).toContain('shutdown complete');
  });

  it('leaves idle keep-alive connections open: the next request on each is answered, then the connection closed', async () => {
    server = await startServer(database.url);
    const first = await idleConnection(server.port, 'idle-1');
    const second = await idleConnection(server.port, 'idle-2');

    // A proxy's pooled connections, idle when SIGTERM comes: closing them now would race with
    // the proxy's next request on them, which it cannot retry when it is a POST.
    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'shutting down: finishing in-flight requests');
    await sleep(200);
    expect([first.socket.destroyed, second.socket.destroyed]).toEqual([false, false]);

    first.socket.write(rawRequest('GET', '/health/live', 'drain-get'));
    second.socket.write(rawRequest('POST', '/api/shutdown-probe', 'drain-post', '{}'));
    const [get, post] = (await Promise.all([first.answers, second.answers])).map(
      (text) => text.split(/(?=HTTP\/1\.1 )/)[1],
    );
    // Both answers tell the client to drop the connection, and the server closes it after.
    expect(get).toMatch(/^HTTP\/1\.1 503 [^]*\r\nconnection: close\r\n/i);
    expect(get).toMatch(/\r\nretry-after: 1\r\n/i);
    // A POST is never refused: a proxy would not retry it. The route does not exist: the
    // enveloped 404 shows it was served.
    expect(post).toMatch(/^HTTP\/1\.1 404 [^]*\r\nconnection: close\r\n/i);
    expect(post).toContain('"error":"NOT_FOUND"');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
