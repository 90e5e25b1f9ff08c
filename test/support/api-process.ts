import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './built-cli';
import type { LogLine } from './test-app';
import { freePort } from './throwaway-redis';
import { waitFor } from './time';

/** The built server, as `npm run start:prod` and the Docker image run it. */
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');

export interface ApiProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  /** The exit code, once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Every JSON log line written so far. */
  logs(): LogLine[];
  /** Whether this process logged the completion of the request with this X-Request-Id. */
  served(requestId: string): boolean;
  /** Kills the process if it still runs and removes its log. */
  dispose(): void;
}

/**
 * Starts `node dist/src/main.js` on a free local port and waits until it listens. Its stdout
 * goes to a file, not a pipe: writes to a pipe block once the reader lags, and a test busy
 * sending load would then stall the server it measures.
 */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'api-process-'));
  const logPath = join(dir, 'stdout.log');
  const out = openSync(logPath, 'w');
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), PATH: process.env.PATH ?? '' },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const lines: LogLine[] = [];
  const requestIds = new Set<unknown>();
  const reader = openSync(logPath, 'r');
  let offset = 0;
  let partial = '';
  const logs = (): LogLine[] => {
    const chunk = Buffer.alloc(1 << 20);
    for (let read = readSync(reader, chunk, 0, chunk.length, offset); read > 0;) {
      offset += read;
      const text = partial + chunk.subarray(0, read).toString('utf8');
      const complete = text.split('\n');
      partial = complete.pop() ?? '';
      for (const line of complete.filter((item) => item.trim())) {
        const parsed = JSON.parse(line) as LogLine;
        lines.push(parsed);
        if (parsed.msg === 'request completed') requestIds.add(parsed.requestId);
      }
      read = readSync(reader, chunk, 0, chunk.length, offset);
    }
    return lines;
  };
  const dispose = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
    closeSync(reader);
    rmSync(dir, { recursive: true, force: true });
  };

  const listening = (): boolean =>
    logs().some((line) => typeof line.msg === 'string' && line.msg.startsWith('API listening'));
  try {
    await waitFor(() => {
      if (child.exitCode !== null)
        throw new Error(`the API exited (${child.exitCode}) during boot`);
      return listening();
    }, 30_000);
  } catch (error) {
    dispose();
    throw error;
  }
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    exited,
    logs,
    served: (requestId) => {
      logs();
      return requestIds.has(requestId);
    },
    dispose,
  };
}
