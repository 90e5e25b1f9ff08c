/**
 * The real API for `npm run bench`, booted the way src/main.ts boots it (createApp with the
 * configuration read from the environment) but on a port the OS picks, which it reports to
 * bench/servers.ts over IPC. Started as a child process so that the load generator never shares
 * its event loop.
 */
import 'reflect-metadata';
import { createApp } from '../src/bootstrap/app.factory';
import { loadConfig } from '../src/config/app-config';
import { readProcessEnv } from '../src/config/env';

async function main(): Promise<void> {
  const config = loadConfig(readProcessEnv());
  const { app } = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ port });
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
