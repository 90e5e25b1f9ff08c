import { join } from 'node:path';
import { type LoggingProcess, ROOT, startLoggingProcess } from './built-cli';
import { freePort } from './throwaway-redis';
import { waitFor } from './time';

/** The built server, as `npm run start:prod` and the Docker image run it. */
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');

export interface ApiProcess extends LoggingProcess {
  readonly port: number;
  readonly baseUrl: string;
  /** Whether this process logged the completion of the request with this X-Request-Id. */
  served(requestId: string): boolean;
}

/** Starts `node dist/src/main.js` on a free local port and waits until it listens. */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const api = startLoggingProcess(
    MAIN,
    { ...env, HOST: '127.0.0.1', PORT: String(port) },
    'inherit',
  );
  const listening = (): boolean =>
    api.logs.some((line) => typeof line.msg === 'string' && line.msg.startsWith('API listening'));
  await waitFor(() => {
    if (api.child.exitCode !== null)
      throw new Error(`the API exited (${api.child.exitCode}) during boot`);
    return listening();
  }, 30_000);
  return {
    ...api,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    served: (requestId) =>
      api.logs.some((line) => line.requestId === requestId && line.msg === 'request completed'),
  };
}
