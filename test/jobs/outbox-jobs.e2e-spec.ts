import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PermanentJobError } from '../../src/jobs/job';
import { JOB_QUEUE, type JobQueue } from '../../src/jobs/job-queue';
import { JobRunner } from '../../src/jobs/job-runner.service';
import { OutboxEvent } from '../../src/outbox/outbox-event.entity';
import { register, request } from '../support/api-client';
import { createTestDatabase, describeEmbeddedOnly, type TestDatabase } from '../support/backend';
import { JOB_TEST_ENV, JobsProbeModule, JobsProbeRecorder } from '../support/jobs-probe.module';
import { sleep, waitFor } from '../support/time';
import { type Account, createSuperuser } from '../support/tenants';
import { startTestApp, type TestApp } from '../support/test-app';

interface FailedJobBody {
  id: string;
  name: string;
  organizationId: string;
  attempts: number;
  lastError: string;
}

describe('outbox, job queue and workers', () => {
  let t: TestApp;
  let recorder: JobsProbeRecorder;
  let organizationId: string;
  let superuser: Account;

  beforeAll(async () => {
    // A poll far beyond the test: events committed here reach the queue because the commit wakes the relay.
    t = await startTestApp({
      env: { ...JOB_TEST_ENV, OUTBOX_POLL_INTERVAL: '1m' },
      extraImports: [JobsProbeModule],
    });
    recorder = t.app.get(JobsProbeRecorder);
    organizationId = (await register(t)).organization.id;
    superuser = await createSuperuser(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const events = async (note: string) =>
    (await t.app.get(DataSource).getRepository(OutboxEvent).find()).filter(
      (event) => event.payload.note === note,
    );
  const runsOf = (note: string) => recorder.runs.filter((run) => run.job.payload.note === note);
  const record = (note: string, commit: boolean, type = 'probe.outbox') =>
    request(t, 'POST', '/api/probe/outbox', { body: { organizationId, type, note, commit } });

  it('a committed event becomes one job, run once as its tenant', async () => {
    const note = `commit-${randomUUID().slice(0, 8)}`;
    const recordedAt = Date.now();
    expect((await record(note, true)).status).toBe(201);
    await waitFor(() => runsOf(note).length === 1);
    expect(Date.now() - recordedAt).toBeLessThan(1500);
    await sleep(600);
    const [run, ...more] = runsOf(note);
    expect(more).toEqual([]);
    expect(run).toMatchObject({
      tenantId: organizationId,
      reason: 'job:probe.outbox',
      job: { name: 'probe.outbox', organizationId, payload: { note }, attempt: 1 },
    });
    const [event] = await events(note);
    expect(run.job.idempotencyKey).toBe(`outbox:${event.id}`);
    expect(event.dispatchedAt).toBeInstanceOf(Date);
    expect(event.attempts).toBe(1);
  });

  it('a rolled-back change records no event and runs nothing', async () => {
    const note = `rollback-${randomUUID().slice(0, 8)}`;
    const response = await record(note, false);
    expect(response.status).toBe(409);
    await sleep(800);
    expect(await events(note)).toEqual([]);
    expect(runsOf(note)).toEqual([]);
  });

  it('a job whose organization does not exist fails at once, for good, and never runs', async () => {
    const queue = t.app.get<JobQueue>(JOB_QUEUE);
    const note = `unknown-org-${randomUUID().slice(0, 8)}`;
    const { id } = await queue.enqueue({
      name: 'probe.outbox',
      organizationId: randomUUID(),
      payload: { note },
      idempotencyKey: `test:${randomUUID()}`,
    });
    await waitFor(async () => (await queue.listFailed(1, 100)).items.some((job) => job.id === id));
    const failed = (await queue.listFailed(1, 100)).items.find((job) => job.id === id);
    expect(failed?.attempts).toBe(1);
    expect(failed?.lastError).toMatch(/does not exist/);
    expect(runsOf(note)).toEqual([]);
  });

  it('a job without an organization is refused by the queue and by the runner', async () => {
    const job = {
      name: 'probe.outbox',
      organizationId: '',
      payload: { note: 'no-org' },
      idempotencyKey: `test:${randomUUID()}`,
    };
    await expect(t.app.get<JobQueue>(JOB_QUEUE).enqueue(job)).rejects.toThrow(/no organization/);
    await expect(
      t.app.get(JobRunner).run({ ...job, id: randomUUID(), attempt: 1 }),
    ).rejects.toBeInstanceOf(PermanentJobError);
    expect(runsOf('no-org')).toEqual([]);
  });

  describe('failed jobs, for the superuser', () => {
    const note = `fail-${randomUUID().slice(0, 8)}`;
    let jobId: string;

    beforeAll(async () => {
      expect((await record(note, true, 'probe.fail')).status).toBe(201);
      await waitFor(() => runsOf(note).length === 2);
    });

    it('keeps the job after JOB_MAX_ATTEMPTS attempts, with its last error, in the paginated list', async () => {
      let body: { data: FailedJobBody[]; pagination: { total: number } } | undefined;
      await waitFor(async () => {
        const response = await request<FailedJobBody[]>(
          t,
          'GET',
          '/api/platform/jobs/failed?limit=100',
          {
            token: superuser.token,
          },
        );
        body = response.body as typeof body;
        return response.status === 200 && body!.data.some((job) => job.name === 'probe.fail');
      });
      const job = body!.data.find((item) => item.name === 'probe.fail')!;
      jobId = job.id;
      expect(job).toMatchObject({
        organizationId,
        attempts: 2,
        lastError: 'probe failure on attempt 2',
      });
      expect(body!.pagination).toMatchObject({ page: 1, limit: 100 });
      expect(body!.pagination.total).toBeGreaterThanOrEqual(1);
      expect(runsOf(note).map((run) => run.job.attempt)).toEqual([1, 2]);
    });

    it('is refused to a tenant user', async () => {
      const owner = await register(t);
      const response = await request(t, 'GET', '/api/platform/jobs/failed', {
        token: owner.tokens.accessToken,
      });
      expect(response.status).toBe(403);
    });

    it('retries it through HTTP with fresh attempts, and audits the retry', async () => {
      const response = await request<FailedJobBody>(
        t,
        'POST',
        `/api/platform/jobs/${jobId}/retry`,
        {
          token: superuser.token,
          body: {},
        },
      );
      expect(response.status).toBe(200);
      expect(response.body.data).toMatchObject({
        id: jobId,
        name: 'probe.fail',
      });
      await waitFor(() => runsOf(note).length === 4);
      expect(runsOf(note).map((run) => run.job.attempt)).toEqual([1, 2, 1, 2]);
      const rows: { organization_id: string | null }[] = await t.app
        .get(DataSource)
        .query('SELECT organization_id FROM audit_logs WHERE action = ? AND entity_id = ?', [
          'job.retried',
          jobId,
        ]);
      expect(rows).toHaveLength(2);
    });

    it('answers 404 for an id that is no failed job', async () => {
      const response = await request(t, 'POST', `/api/platform/jobs/${randomUUID()}/retry`, {
        token: superuser.token,
        body: {},
      });
      expect(response.status).toBe(404);
    });
  });
});

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
