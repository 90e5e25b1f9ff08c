import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProgram } from './built-cli';
import { freePort } from './throwaway-redis';
import { sleep } from './time';

/** Debian's nginx (.ci/run installs it); NGINX_BIN overrides it. */
export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

/** The load balancer's configuration as docker-compose.yml mounts it. */
export const COMMITTED_NGINX_CONF = join(ROOT, 'deploy', 'nginx.conf');

/**
 * The address nginx connects to the API from: not the test client's 127.0.0.1, so TRUST_PROXY
 * can name nginx alone and a client's own X-Forwarded-For is not believed, as in production.
 */
export const NGINX_SOURCE_ADDRESS = '127.0.0.2';

/** Replaces `from` once in `text`; a config that no longer has it fails the test loudly. */
function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`deploy/nginx.conf no longer contains \`${from}\``);
  return text.replace(from, to);
}

/**
 * The committed config made runnable by an unprivileged test on this machine: the given
 * upstream servers instead of Docker's `api`, a local listener, connections to the upstreams
 * from NGINX_SOURCE_ADDRESS, and every file nginx writes
 * (pid, logs, temp bodies) inside `dir`. Everything else, the proxy and retry rules above all,
 * stays as committed.
 */
export function localNginxConfig(dir: string, listenPort: number, upstreams: number[]): string {
  let conf = readFileSync(COMMITTED_NGINX_CONF, 'utf8');
  conf = replaceOnce(conf, 'worker_processes auto;', 'worker_processes 1;\ndaemon off;');
  conf = replaceOnce(
    conf,
    'error_log /dev/stderr warn;',
    `error_log ${join(dir, 'error.log')} warn;`,
  );
  conf = replaceOnce(conf, 'pid /tmp/nginx.pid;', `pid ${join(dir, 'nginx.pid')};`);
  conf = replaceOnce(conf, 'access_log /dev/stdout;', `access_log ${join(dir, 'access.log')};`);
  // Docker's DNS is not here, and Debian's nginx 1.22 predates `resolve`.
  conf = replaceOnce(conf, 'resolver 127.0.0.11 valid=10s ipv6=off;', '');
  conf = replaceOnce(
    conf,
    'server api:3000 resolve max_fails=1 fail_timeout=10s;',
    upstreams
      .map((port) => `server 127.0.0.1:${port} max_fails=1 fail_timeout=10s;`)
      .join('\n        '),
  );
  conf = replaceOnce(conf, 'listen 80;', `listen 127.0.0.1:${listenPort};`);
  conf = replaceOnce(
    conf,
    'proxy_pass http://api;',
    `proxy_pass http://api;\n            proxy_bind ${NGINX_SOURCE_ADDRESS};`,
  );
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${join(dir, `${kind}_temp`)};`)
    .join('\n');
  conf = replaceOnce(conf, 'http {\n', `http {\n${temp}\n`);
  // As root, nginx's workers would switch to `nobody`, who cannot write inside `dir`.
  return process.getuid?.() === 0 ? `user root;\n${conf}` : conf;
}

/** `nginx -t` on a config file; resolves to nginx's output, rejects when the test fails. */
export async function checkNginxConfig(confPath: string, prefix: string): Promise<string> {
  const result = await runProgram([NGINX_BIN, '-t', '-p', prefix, '-c', confPath], { env: {} });
  if (result.status !== 0) throw new Error(`nginx -t failed:\n${result.stderr}`);
  return result.stderr;
}

export interface LocalNginx {
  readonly port: number;
  readonly baseUrl: string;
  /** nginx's error log so far (failed upstream attempts are logged there). */
  errorLog(): string;
  /** Stops this nginx (SIGQUIT: graceful) and removes its directory. */
  dispose(): Promise<void>;
}

/** Starts nginx in the foreground on a free port in front of `upstreams` (local ports). */
export async function startNginx(upstreams: number[]): Promise<LocalNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  const port = await freePort();
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, localNginxConfig(dir, port, upstreams));
  await checkNginxConfig(confPath, dir);
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-c', confPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A crashed test must not leave nginx running after Jest.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const errorLog = (): string => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };

  const deadline = Date.now() + 5000;
  while (!readPid(dir)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${stderr}${errorLog()}`);
    }
    await sleep(25);
  }
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    errorLog,
    dispose: async () => {
      if (child.exitCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.kill('SIGQUIT');
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The master's pid once nginx has written it (it has then bound its listener). */
function readPid(dir: string): number | null {
  try {
    return Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim()) || null;
  } catch {
    return null;
  }
}
