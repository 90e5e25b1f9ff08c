import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OutboxEvent } from '../../src/outbox/outbox-event.entity';
import { register, request } from '../support/api-client';
import { createTestDatabase, describeEmbeddedOnly, type TestDatabase } from '../support/backend';
import { JOB_TEST_ENV, JobsProbeModule, JobsProbeRecorder } from '../support/jobs-probe.module';
import { sleep, waitFor } from '../support/time';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The in-process queue keeps its jobs in memory; the outbox is what survives. A job still
 * waiting for its retry when the process stops runs again after the restart.
 */
describeEmbeddedOnly('embedded queue across a restart', () => {
  let database: TestDatabase;
  let first: TestApp | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('embedded');
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database.drop();
  });

  const eventOf = async (t: TestApp, note: string) =>
    (await t.app.get(DataSource).getRepository(OutboxEvent).find()).find(
      (event) => event.payload.note === note,
    );
  const runsOf = (t: TestApp, note: string) =>
    t.app.get(JobsProbeRecorder).runs.filter((run) => run.job.payload.note === note);

  it('queues a job cut short by the restart again from its event', async () => {
    // A retry a minute away: the process stops while the job waits for it.
    first = await startTestApp({
      database,
      env: { ...JOB_TEST_ENV, JOB_BACKOFF: '1m', JOB_MAX_ATTEMPTS: '3' },
      extraImports: [JobsProbeModule],
    });
    const organizationId = (await register(first)).organization.id;
    const note = `restart-${randomUUID().slice(0, 8)}`;
    const recorded = await request(first, 'POST', '/api/probe/outbox', {
      body: { organizationId, type: 'probe.fail', note, commit: true },
    });
    expect(recorded.status).toBe(201);
    await waitFor(() => runsOf(first!, note).length === 1);
    await sleep(300);
    expect((await eventOf(first, note))?.dispatchedAt).toBeNull();
    await first.close();
    first = undefined;

    second = await startTestApp({
      database,
      env: { ...JOB_TEST_ENV, JOB_MAX_ATTEMPTS: '2' },
      extraImports: [JobsProbeModule],
    });
    await waitFor(() => runsOf(second!, note).length === 2);
    // Failed for good this time: the event is settled, and is not queued again.
    await waitFor(async () => (await eventOf(second!, note))?.dispatchedAt instanceof Date);
    await sleep(500);
    expect(runsOf(second, note).map((run) => run.job.attempt)).toEqual([1, 2]);
  });
});
