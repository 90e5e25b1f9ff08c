import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '../../src/database/transaction-runner.service';
import { JOB_QUEUE, type JobQueue } from '../../src/jobs/job-queue';
import { OutboxEvent } from '../../src/outbox/outbox-event.entity';
import { OutboxRelay } from '../../src/outbox/outbox-relay.service';
import { OutboxService } from '../../src/outbox/outbox.service';
import { register, request } from '../support/api-client';
import { createMysqlDatabase, type TestDatabase, uniqueSuffix } from '../support/backend';
import { JOB_TEST_ENV, JobsProbeModule, JobsProbeRecorder } from '../support/jobs-probe.module';
import { waitFor } from '../support/time';
import { startTestApp, type TestApp } from '../support/test-app';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis';

describe('outbox while Redis is down at commit', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    t = await startTestApp({
      env: { ...JOB_TEST_ENV, REDIS_URL: redis.url },
      extraImports: [JobsProbeModule],
    });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.dispose();
  });

  it('keeps the committed event, counting failed tries, and runs its job once Redis is back', async () => {
    const organizationId = (await register(t)).organization.id;
    await redis.stop();
    const note = `redis-down-${randomUUID().slice(0, 8)}`;
    const response = await request(t, 'POST', '/api/probe/outbox', {
      body: { organizationId, type: 'probe.outbox', note, commit: true },
    });
    expect(response.status).toBe(201);
    const repository = t.app.get(DataSource).getRepository(OutboxEvent);
    const eventOf = async () =>
      (await repository.find()).find((event) => event.payload.note === note);
    await waitFor(async () => ((await eventOf())?.attempts ?? 0) >= 2);
    const stalled = await eventOf();
    expect(stalled?.dispatchedAt).toBeNull();
    expect(stalled?.lastError).toMatch(/unavailable/i);

    const recorder = t.app.get(JobsProbeRecorder);
    const runs = () => recorder.runs.filter((run) => run.job.payload.note === note);
    expect(runs()).toEqual([]);
    await redis.start();
    await waitFor(() => runs().length === 1, 20_000);
    expect((await eventOf())?.dispatchedAt).toBeInstanceOf(Date);
    expect(runs()[0]).toMatchObject({ tenantId: organizationId, job: { attempt: 1 } });
  });
});

describe('two relays on one MariaDB database', () => {
  let database: TestDatabase;
  let apps: TestApp[];

  beforeAll(async () => {
    database = await createMysqlDatabase();
    // One queue for both (same prefix), no workers: the jobs stay where the relays put them.
    const env = {
      ...JOB_TEST_ENV,
      OUTBOX_POLL_INTERVAL: '50ms',
      WORKERS: 'off',
      REDIS_KEY_PREFIX: `test:${uniqueSuffix()}:`,
    };
    apps = [await startTestApp({ database, env }), await startTestApp({ database, env })];
  });
  afterAll(async () => {
    for (const app of apps ?? []) await app.close();
    await database?.drop();
  });

  it('enqueue each of many events exactly once between them', async () => {
    const organizationId = (await register(apps[0])).organization.id;
    const repository = apps[0].app.get(DataSource).getRepository(OutboxEvent);
    // Registration recorded its own event (the verification mail): let it reach the queue first.
    await waitFor(async () => (await repository.countBy({ attempts: 0 })) === 0, 20_000);
    const waitingBefore = (await apps[0].app.get<JobQueue>(JOB_QUEUE).counts()).waiting;
    const enqueued = apps.map((app) => {
      const keys: string[] = [];
      const queue = app.app.get<JobQueue>(JOB_QUEUE);
      const original = queue.enqueue.bind(queue);
      jest.spyOn(queue, 'enqueue').mockImplementation((request) => {
        keys.push(request.idempotencyKey);
        return original(request);
      });
      return keys;
    });
    const count = 300;
    // One transaction of events: then both relays find them at once.
    await apps[0].app.get(TransactionRunner).run(async (manager) => {
      for (let index = 0; index < count; index += 1)
        await apps[0].app.get(OutboxService).record(manager, {
          type: 'probe.unhandled',
          organizationId,
          payload: { index },
        });
    });
    await Promise.all(apps.map((app) => app.app.get(OutboxRelay).drain()));
    await waitFor(async () => (await repository.countBy({ attempts: 0 })) === 0, 20_000);

    const all = enqueued.flat();
    expect(all).toHaveLength(count);
    expect(new Set(all).size).toBe(count);
    const rows = await repository.find();
    expect(rows.every((row) => row.dispatchedAt !== null && row.attempts === 1)).toBe(true);
    expect((await apps[0].app.get<JobQueue>(JOB_QUEUE).counts()).waiting).toBe(
      waitingBefore + count,
    );
  });
});
