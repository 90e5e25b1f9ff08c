import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RedisConnection } from '../../src/kv/redis-connection';
import { freePort } from './throwaway-redis';
import { sleep } from './time';

const run = promisify(execFile);
const NODES = 3;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5000;

/**
 * A private three-node Redis Cluster (masters only, no persistence) in a temporary directory,
 * for the cluster tests; it never touches the shared Redis. `stop()` ends exactly the
 * processes it started and removes the directory.
 */
export interface RedisCluster {
  readonly ports: number[];
  /** Value for REDIS_CLUSTER_NODES. */
  readonly nodes: string;
  readonly connection: RedisConnection;
  stop(): Promise<void>;
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

/** Waits until a node answers PING (the process may still be loading). */
async function untilAnswering(port: number, deadline: number, output: () => string): Promise<void> {
  for (;;) {
    try {
      if ((await redisCli(port, 'PING')).trim() === 'PONG') return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`redis-server on port ${port} did not answer:\n${output()}`);
    await sleep(25);
  }
}

/** Every node must see the whole cluster as ok and agree on the slots before a test runs. */
async function untilClusterOk(ports: number[], deadline: number): Promise<void> {
  for (;;) {
    const states = await Promise.all(ports.map((port) => redisCli(port, 'CLUSTER', 'INFO')));
    if (states.every((info) => /cluster_state:ok/.test(info) && /cluster_known_nodes:3/.test(info)))
      return;
    if (Date.now() > deadline)
      throw new Error(`Redis Cluster not ok in time:\n${states.join('\n')}`);
    await sleep(50);
  }
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const children: ChildProcess[] = [];
  const killOnExit = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let output = '';

  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const ports: number[] = [];
    while (ports.length < NODES) {
      const port = await freePort();
      // The cluster bus listens on port + 10000: both must be free and below 65536.
      if (port + 10000 <= 65535 && !ports.includes(port)) ports.push(port);
    }
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--daemonize',
          'no',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const collect = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-4000);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      children.push(child);
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    await Promise.all(ports.map((port) => untilAnswering(port, deadline, () => output)));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await untilClusterOk(ports, deadline);
    const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
    return {
      ports,
      nodes: nodes.map(({ host, port }) => `${host}:${port}`).join(','),
      connection: { kind: 'cluster', nodes },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
