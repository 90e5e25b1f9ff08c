import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, IsNull } from 'typeorm';
import { JOB_QUEUE, type JobQueue } from '../../src/jobs/job-queue';
import { OutboxEvent } from '../../src/outbox/outbox-event.entity';
import { register } from '../support/api-client';
import { createMysqlDatabase, type TestDatabase, uniqueSuffix } from '../support/backend';
import { type LoggingProcess, ROOT, runProgram, startLoggingProcess } from '../support/built-cli';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { Exposition, promtoolCheck } from '../support/metrics';
import { freePort } from '../support/throwaway-redis';
import { waitFor } from '../support/time';
import { startTestApp, testEnv, type TestApp } from '../support/test-app';

/** The built worker, as `npm run worker` and the image run it. */
const WORKER = join(ROOT, 'dist', 'src', 'worker.js');

/**
 * The built worker's own entry point with one extra module: a handler that takes `payload.ms`
 * and logs when it starts and ends. Plain JavaScript, decorators applied as functions.
 */
const LAUNCHER = `
const { Module } = require(${JSON.stringify(join(ROOT, 'node_modules', '@nestjs', 'common'))});
const { JobHandler } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'jobs', 'job-handler.decorator.js'))});
const { runWorker } = require(${JSON.stringify(WORKER)});
const line = (msg, job) => process.stdout.write(JSON.stringify({ level: 30, msg, jobId: job.id }) + '\\n');
class SlowHandler {
  async handle(job) {
    line('slow job started', job);
    await new Promise((resolve) => setTimeout(resolve, job.payload.ms));
    line('slow job finished', job);
  }
}
JobHandler('test.slow')(SlowHandler);
class SlowModule {}
Module({ providers: [SlowHandler] })(SlowModule);
runWorker([SlowModule]);
`;

describe('the worker process (dist/src/worker.js)', () => {
  let database: TestDatabase;
  let dir: string;
  let api: TestApp;
  let env: Record<string, string>;
  let worker: LoggingProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(WORKER))
      throw new Error(`${WORKER} is missing: run \`npm run build\` first (\`npm test\` does)`);
    database = await createMysqlDatabase();
    dir = mkdtempSync(join(tmpdir(), 'worker-launcher-'));
    writeFileSync(join(dir, 'launcher.js'), LAUNCHER);
    env = testEnv('mysql', database.url, {
      ...JOB_TEST_ENV,
      REDIS_KEY_PREFIX: `test:${uniqueSuffix()}:`,
      SHUTDOWN_TIMEOUT: '10s',
    });
    // The API side: serves, queues, runs no worker (so only the worker process can take the job).
    api = await startTestApp({ database, env: { ...env, WORKERS: 'off' } });
  });
  afterEach(() => {
    if (worker?.child.exitCode === null) worker.child.kill('SIGKILL');
    worker = undefined;
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the job in hand, then exits 0, and never listens for HTTP', async () => {
    worker = startLoggingProcess(join(dir, 'launcher.js'), env);
    const { logs } = worker;
    await waitFor(() => logs.some((line) => line.msg === 'worker ready'), 20_000);
    const organizationId = (await register(api)).organization.id;
    const queue = api.app.get<JobQueue>(JOB_QUEUE);
    // The registration's verification mail goes first: queued by the API's relay, done by the worker.
    const events = api.app.get(DataSource).getRepository(OutboxEvent);
    await waitFor(async () => {
      const counts = await queue.counts();
      const pending = await events.countBy({ dispatchedAt: IsNull() });
      return pending === 0 && counts.waiting + counts.active === 0;
    }, 20_000);
    const { id } = await queue.enqueue({
      name: 'test.slow',
      organizationId,
      payload: { ms: 1500 },
      idempotencyKey: `test:${randomUUID()}`,
    });
    await waitFor(() => logs.some((line) => line.msg === 'slow job started' && line.jobId === id));

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const messages = logs.map((line) => line.msg);
    expect(messages.indexOf('slow job finished')).toBeGreaterThan(-1);
    expect(messages.indexOf('slow job finished')).toBeLessThan(
      messages.indexOf('worker shutdown complete'),
    );
    expect(messages.filter((msg) => msg?.startsWith('API listening'))).toEqual([]);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('serves the queue and job metrics on its own metrics port, and still exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    worker = startLoggingProcess(WORKER, { ...env, METRICS_PORT: String(port) });
    const { logs } = worker;
    await waitFor(() => logs.some((line) => line.msg === 'worker ready'), 20_000);
    await register(api);
    const done = (metrics: Exposition) =>
      metrics.sum('job_duration_seconds_count', {
        job: 'mail.verify-email',
        outcome: 'completed',
      }) > 0;
    let metrics = new Exposition('');
    await waitFor(async () => {
      metrics = new Exposition(await (await fetch(url)).text());
      return done(metrics);
    }, 20_000);
    expect(metrics.sum('job_queue_jobs', { state: 'failed' })).toBe(0);
    expect(metrics.samples.filter((s) => s.name === 'job_queue_jobs').length).toBe(4);
    expect(promtoolCheck(metrics.text)).toEqual({ status: 0, output: '' });

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses to start without REDIS_URL', async () => {
    const withoutRedis = Object.fromEntries(
      Object.entries(env).filter(([key]) => key !== 'REDIS_URL'),
    );
    const result = await runProgram(['node', WORKER], { env: withoutRedis });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/needs REDIS_URL/);
  });
});
