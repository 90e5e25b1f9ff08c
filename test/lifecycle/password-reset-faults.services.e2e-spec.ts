import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { OutboxEvent } from '../../src/outbox/outbox-event.entity';
import { OutboxService } from '../../src/outbox/outbox.service';
import { register, request } from '../support/api-client';
import { linkToken, TEST_APP_URL } from '../support/mailbox';
import { createMysqlDatabase, type TestDatabase, uniqueSuffix } from '../support/backend';
import { type LoggingProcess, ROOT, startLoggingProcess } from '../support/built-cli';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { type ReceivedMail, type SmtpSink, startSmtpSink } from '../support/smtp-sink';
import { sleep, waitFor } from '../support/time';
import { startTestApp, testEnv, type TestApp } from '../support/test-app';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis';

/** The built worker, as `npm run worker` and the image run it. */
const WORKER = join(ROOT, 'dist', 'src', 'worker.js');
const NEW_PASSWORD = 'A-brand-new-passphrase';

const isResetMailTo =
  (email: string) =>
  (mail: ReceivedMail): boolean =>
    mail.recipients.includes(email) && /reset your password/.test(mail.subject);

describe('a worker killed with SIGKILL in the middle of sending a reset mail', () => {
  let sink: SmtpSink;
  let database: TestDatabase;
  let env: Record<string, string>;
  let api: TestApp;
  const workers: LoggingProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER))
      throw new Error(`${WORKER} is missing: run \`npm run build\` first (\`npm test\` does)`);
    sink = await startSmtpSink();
    database = await createMysqlDatabase();
    env = testEnv('mysql', database.url, {
      ...JOB_TEST_ENV,
      JOB_MAX_ATTEMPTS: '8',
      // A short lock, so the job of the killed worker is found stalled within seconds.
      JOB_LOCK_DURATION: '1s',
      REDIS_KEY_PREFIX: `test:${uniqueSuffix()}:`,
      SMTP_URL: sink.url,
      APP_URL: TEST_APP_URL,
    });
    // The API serves and queues; only the worker processes run jobs.
    api = await startTestApp({ database, env: { ...env, WORKERS: 'off' } });
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await api?.close();
    await database?.drop();
    await sink?.stop();
  });

  async function launch(): Promise<LoggingProcess> {
    const worker = startLoggingProcess(WORKER, env, 'inherit');
    workers.push(worker);
    await waitFor(() => worker.logs.some((line) => line.msg === 'worker ready'), 20_000);
    return worker;
  }

  it('sends the mail after a restart, and the SMTP server gets it exactly once', async () => {
    const owner = await register(api);
    const subdomain = owner.organization.subdomain;
    // The relay holds the first delivery, so the kill lands while the job waits for its answer.
    sink.behave({ delayMs: 60_000 });
    const first = await launch();
    const requested = await request(api, 'POST', '/api/auth/password/forgot', {
      body: { email: owner.email },
      tenant: subdomain,
    });
    expect(requested.status).toBe(202);
    // Two deliveries held: the registration's verification mail and the reset mail.
    await waitFor(() => sink.inFlight === 2, 15_000);

    first.child.kill('SIGKILL');
    await first.exited;
    sink.behave({});
    await waitFor(() => sink.inFlight === 0);
    expect(sink.messages.filter(isResetMailTo(owner.email))).toEqual([]);

    await launch();
    const mail = await sink.waitFor(isResetMailTo(owner.email), 20_000);
    await sleep(1500);
    expect(sink.messages.filter(isResetMailTo(owner.email))).toHaveLength(1);
    const done = await request(api, 'POST', '/api/auth/password/reset', {
      body: { token: linkToken(mail, 'reset-password', TEST_APP_URL), password: NEW_PASSWORD },
      tenant: subdomain,
    });
    expect(done.status).toBe(200);
  });
});

describe('Redis down when a reset request commits', () => {
  let redis: ThrowawayRedis;
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    sink = await startSmtpSink();
    t = await startTestApp({
      env: { ...JOB_TEST_ENV, REDIS_URL: redis.url, SMTP_URL: sink.url, APP_URL: TEST_APP_URL },
    });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.dispose();
    await sink?.stop();
  });

  it('keeps the event in the outbox, and the mail arrives once Redis is back', async () => {
    const owner = await register(t);
    const subdomain = owner.organization.subdomain;
    // Redis goes away inside the request's transaction: after the rate limits, before the commit.
    const outbox = t.app.get(OutboxService);
    const record = outbox.record.bind(outbox);
    jest.spyOn(outbox, 'record').mockImplementationOnce(async (manager, event) => {
      await redis.stop();
      return record(manager, event);
    });
    const requested = await request(t, 'POST', '/api/auth/password/forgot', {
      body: { email: owner.email },
      tenant: subdomain,
    });
    expect(requested.status).toBe(202);
    expect(redis.running).toBe(false);

    const events = t.app.get(DataSource).getRepository(OutboxEvent);
    const eventOf = async () =>
      (await events.find()).find(
        (event) =>
          event.type === 'mail.password-reset' && event.organizationId === owner.organization.id,
      );
    await waitFor(async () => ((await eventOf())?.attempts ?? 0) >= 2);
    expect((await eventOf())?.dispatchedAt).toBeNull();
    expect(sink.messages.filter(isResetMailTo(owner.email))).toEqual([]);

    await redis.start();
    const mail = await sink.waitFor(isResetMailTo(owner.email), 20_000);
    expect((await eventOf())?.dispatchedAt).toBeInstanceOf(Date);
    await sleep(500);
    expect(sink.messages.filter(isResetMailTo(owner.email))).toHaveLength(1);
    const done = await request(t, 'POST', '/api/auth/password/reset', {
      body: { token: linkToken(mail, 'reset-password', TEST_APP_URL), password: NEW_PASSWORD },
      tenant: subdomain,
    });
    expect(done.status).toBe(200);
  });
});
