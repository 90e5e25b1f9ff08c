import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

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

export const DIST = join(__dirname, '..', '..', 'dist');

export function builtCommandPath(command: BuiltCommand): string {
  return join(DIST, 'src', 'cli', `${command}.js`);
}

export function runBuiltCommand(
  command: BuiltCommand,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CommandResult> {
  const path = builtCommandPath(command);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path, ...args], {
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
