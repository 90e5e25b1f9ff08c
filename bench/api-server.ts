/**
 * The real API for `npm run bench`, booted the way src/main.ts boots it (createApp with the
 * configuration read from the environment) but on a port the OS picks, which it reports to
 * bench/servers.ts over IPC. Started as a child process so that the load generator never shares
 * its event loop.
 *
 * The memory soak (soak.ts) asks over the same IPC channel for the heap after a forced full
 * GC: the process runs with --expose-gc, and this file, which only the benchmark runs, is the
 * one that calls gc(). The API itself gains no route, flag or hook for it.
 */
import 'reflect-metadata';
import { createApp } from '../src/bootstrap/app.factory';
import { loadConfig } from '../src/config/app-config';
import { readProcessEnv } from '../src/config/env';
import { HEAP_REQUEST, type HeapSample } from './heap';

/** Two full collections, the second for what the first's finalizers released, then the heap. */
async function heapAfterGc(): Promise<HeapSample> {
  if (!global.gc) throw new Error('the API process needs --expose-gc');
  for (let pass = 0; pass < 2; pass += 1) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, heapTotal, rss, external } = process.memoryUsage();
  return { heapUsed, heapTotal, rss, external };
}

async function main(): Promise<void> {
  const config = loadConfig(readProcessEnv());
  const { app } = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ port });
  process.on('message', (message: unknown) => {
    if (message !== HEAP_REQUEST) return;
    void heapAfterGc().then(
      (heap) => process.send?.({ heap }),
      (error: unknown) => process.send?.({ heapError: String(error) }),
    );
  });
  process.once('SIGTERM', () => {
    void app.close().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `API failed to boot: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
