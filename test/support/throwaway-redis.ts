import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './time';

/**
 * A private `redis-server` for fault tests: they stop and restart it, which must never
 * happen to the shared Redis on 6379. No persistence, its own working directory.
 */
export interface ThrowawayRedis {
  readonly port: number;
  /** Value for REDIS_URL. */
  readonly url: string;
  readonly running: boolean;
  /** Stops the server and waits until the process has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>;
}

const START_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 5000;

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when a raw `PING` gets `+PONG`; rejects on refusal or silence. */
function pingOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(500, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`Unexpected reply: ${reply.trim()}`));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

class RedisServerProcess implements ThrowawayRedis {
  private child: ChildProcess | null = null;
  private output = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'throwaway-redis-'));
  // A server left running by a crashed test would outlive Jest; kill it on exit.
  private readonly killOnExit = (): void => {
    this.child?.kill('SIGKILL');
  };

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.output = '';
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    process.once('exit', this.killOnExit);
    const collect = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.child === child) this.child = null;
      process.removeListener('exit', this.killOnExit);
    });
    child.once('error', (error) => {
      this.output += `\n${error.message}`;
    });

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited)
        throw new Error(`redis-server on port ${this.port} exited during start:\n${this.output}`);
      try {
        await pingOnce(this.port);
        return;
      } catch {
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(
            `redis-server on port ${this.port} did not answer within ${START_TIMEOUT_MS} ms:\n${this.output}`,
          );
        }
        await sleep(25);
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a throwaway Redis on a free port; a lost race for the port is retried on another one. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const server = new RedisServerProcess(await freePort());
    try {
      await server.start();
      return server;
    } catch (error) {
      lastError = error;
      await server.dispose();
    }
  }
  throw lastError;
}
