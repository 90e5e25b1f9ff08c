import { createTestDatabase } from './support/backend';
import { startTestApp } from './support/test-app';
import { freePort } from './support/throwaway-redis';

it('boot dead', async () => {
  const database = await createTestDatabase();
  const port = await freePort();
  const t0 = performance.now();
  try {
    await startTestApp({ database, env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  } catch (error) {
    console.log(performance.now() - t0, error, (error as Error).cause);
  }
  await database.drop();
});
