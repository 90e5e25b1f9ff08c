import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LogLine } from './test-app';

/**
 * The compiled commands as the Docker image runs them: `node dist/src/cli/<name>.js`, with
 * nothing but the given environment (`npm test` builds dist/ first).
 */
export type BuiltCommand = 'migration' | 'seed' | 'superuser-create';

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: Record<string, string>;
  /** Where the command runs (and so which node_modules it loads); the repository by default. */
  cwd?: string;
  timeoutMs?: number;
}

export const ROOT = join(__dirname, '..', '..');

/** Runs a program (`node` stands for this Node binary) to completion, capturing its output. */
export function runProgram(
  [program, ...args]: string[],
  { env, cwd = ROOT, timeoutMs = 60_000 }: RunOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program === 'node' ? process.execPath : program, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export function runBuiltCommand(
  command: BuiltCommand,
  args: string[],
  env: Record<string, string>,
): Promise<CommandResult> {
  const path = join(ROOT, 'dist', 'src', 'cli', `${command}.js`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first`);
  return runProgram(['node', path, ...args], { env });
}

/** A long-running built process (the worker) whose JSON log lines are collected as they come. */
export interface LoggingProcess {
  child: ChildProcess;
  logs: LogLine[];
  exited: Promise<number | null>;
}

/** Starts `node <script>` with nothing but `env` (and PATH); stderr goes to the test's output or is piped. */
export function startLoggingProcess(
  script: string,
  env: Record<string, string>,
  stderr: 'pipe' | 'inherit' = 'pipe',
): LoggingProcess {
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...env, PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', stderr],
  });
  const logs: LogLine[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines.filter((item) => item.trim())) logs.push(JSON.parse(text) as LogLine);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, logs, exited };
}
