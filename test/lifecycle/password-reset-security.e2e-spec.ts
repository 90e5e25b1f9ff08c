import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { JOB_QUEUE, type JobQueue } from '../../src/jobs/job-queue';
import type { AccountTokenPurpose } from '../../src/modules/account-tokens/account-token.entity';
import { AccountTokens } from '../../src/modules/account-tokens/account-tokens.service';
import { canonicalEmail } from '../../src/security/email';
import { SystemScope } from '../../src/tenancy/system-scope.service';
import { PASSWORD, register, type Registered, request } from '../support/api-client';
import { linkToken, TEST_APP_URL, tokensIn } from '../support/mailbox';
import { createInvitation } from '../support/invitations';
import { JOB_TEST_ENV } from '../support/jobs-probe.module';
import { recordRequestWork } from '../support/request-work';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink';
import { sleep, waitFor } from '../support/time';
import { startTestApp, type TestApp } from '../support/test-app';

const NEW_PASSWORD = 'A-brand-new-passphrase';

interface Flow {
  t: TestApp;
  sink: SmtpSink;
}

function forgot(t: TestApp, owner: Registered, email = owner.email, ip?: string) {
  return request(t, 'POST', '/api/auth/password/forgot', {
    body: { email },
    tenant: owner.organization.subdomain,
    headers: ip ? { 'x-forwarded-for': ip } : {},
  });
}

function reset(t: TestApp, tenant: string, token: string, ip?: string) {
  return request(t, 'POST', '/api/auth/password/reset', {
    body: { token, password: NEW_PASSWORD },
    tenant,
    headers: ip ? { 'x-forwarded-for': ip } : {},
  });
}

/** Asks for a link and returns the token of the mail that arrives (the nth for this address). */
async function resetLink({ t, sink }: Flow, owner: Registered, nth = 1): Promise<string> {
  expect((await forgot(t, owner)).status).toBe(202);
  const isReset = (recipients: string[], subject: string) =>
    recipients.includes(owner.email) && /reset your password/.test(subject);
  await waitFor(
    () => sink.messages.filter((mail) => isReset(mail.recipients, mail.subject)).length >= nth,
  );
  const mails = sink.messages.filter((mail) => isReset(mail.recipients, mail.subject));
  return linkToken(mails[nth - 1], 'reset-password', TEST_APP_URL);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

describe('password reset tokens and requests, attacked', () => {
  const flow = {} as Flow;

  beforeAll(async () => {
    flow.sink = await startSmtpSink();
    flow.t = await startTestApp({
      env: {
        ...JOB_TEST_ENV,
        SMTP_URL: flow.sink.url,
        APP_URL: TEST_APP_URL,
        PASSWORD_RESET_RATE_LIMIT: '1000',
        AUTH_IP_RATE_LIMIT: '100000',
      },
    });
  });
  afterAll(async () => {
    await flow.t?.close();
    await flow.sink?.stop();
  });

  /** A token of another purpose for the owner, made the way its own flow would make it. */
  async function issue(owner: Registered, purpose: AccountTokenPurpose): Promise<string> {
    const tenant = { id: owner.organization.id, subdomain: owner.organization.subdomain };
    // An invitation token belongs to a real invitation (a foreign key).
    const subject =
      purpose === 'invitation'
        ? {
            invitationId: await createInvitation(flow.t, owner.tokens.accessToken),
            email: canonicalEmail(`new@${tenant.subdomain}.test`),
          }
        : { userId: owner.user.id, email: canonicalEmail(owner.email) };
    return flow.t.app.get(SystemScope).asTenant(tenant, 'test: another flow’s token', async () => {
      const tokens = flow.t.app.get(AccountTokens);
      return (await tokens.issue(purpose, subject, 3600)).token;
    });
  }

  it('refuses a link used once already (410 TOKEN_USED)', async () => {
    const owner = await register(flow.t);
    const token = await resetLink(flow, owner);
    expect((await reset(flow.t, owner.organization.subdomain, token)).status).toBe(200);
    const again = await reset(flow.t, owner.organization.subdomain, token);
    expect([again.status, again.body.error]).toEqual([410, 'TOKEN_USED']);
  });

  it('kills every other reset link of the user when one is used', async () => {
    const owner = await register(flow.t);
    const first = await resetLink(flow, owner, 1);
    const second = await resetLink(flow, owner, 2);
    expect((await reset(flow.t, owner.organization.subdomain, second)).status).toBe(200);
    const older = await reset(flow.t, owner.organization.subdomain, first);
    expect([older.status, older.body.error]).toEqual([410, 'TOKEN_USED']);
  });

  it('refuses tokens of another purpose and malformed ones (400 TOKEN_INVALID), changing nothing', async () => {
    const owner = await register(flow.t);
    for (const purpose of ['verify-email', 'invitation', 'change-email'] as const) {
      const refused = await reset(
        flow.t,
        owner.organization.subdomain,
        await issue(owner, purpose),
      );
      expect([purpose, refused.status, refused.body.error]).toEqual([
        purpose,
        400,
        'TOKEN_INVALID',
      ]);
    }
    const garbage = await reset(flow.t, owner.organization.subdomain, 'not-a-token');
    expect([garbage.status, garbage.body.error]).toEqual([400, 'TOKEN_INVALID']);
    const login = await request(flow.t, 'POST', '/api/auth/login', {
      body: { email: owner.email, password: PASSWORD },
      tenant: owner.organization.subdomain,
    });
    expect(login.status).toBe(200);
  });

  it('refuses a link at another organization (400 TOKEN_INVALID); it still works at its own', async () => {
    const owner = await register(flow.t);
    const stranger = await register(flow.t);
    const token = await resetLink(flow, owner);
    const elsewhere = await reset(flow.t, stranger.organization.subdomain, token);
    expect([elsewhere.status, elsewhere.body.error]).toEqual([400, 'TOKEN_INVALID']);
    expect((await reset(flow.t, owner.organization.subdomain, token)).status).toBe(200);
  });

  it('a password change by change-password kills the reset link and mails the notice', async () => {
    const owner = await register(flow.t);
    const token = await resetLink(flow, owner);
    const changed = await request(flow.t, 'POST', '/api/auth/change-password', {
      token: owner.tokens.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'Changed-by-the-owner' },
    });
    expect(changed.status).toBe(200);
    const refused = await reset(flow.t, owner.organization.subdomain, token);
    expect([refused.status, refused.body.error]).toEqual([410, 'TOKEN_USED']);
    const notice = await flow.sink.waitFor(
      (mail) => mail.recipients.includes(owner.email) && /password was changed/.test(mail.subject),
    );
    expect(notice.subject).toBe(`${owner.organization.name}: your password was changed`);
  });

  it('does the same work, statement for statement, for a known and an unknown address', async () => {
    const owner = await register(flow.t);
    const unknown = `nobody-${randomUUID().slice(0, 8)}@${owner.organization.subdomain}.test`;
    const work = recordRequestWork(flow.t.app);
    try {
      const workOf = async (email: string): Promise<string[]> => {
        const response = await forgot(flow.t, owner, email);
        expect(response.status).toBe(202);
        return work.of(response.headers.get('x-request-id') ?? '');
      };
      const known = await workOf(owner.email);
      expect(known).toEqual(expect.arrayContaining([expect.stringMatching(/^sql INSERT/)]));
      expect(await workOf(unknown)).toEqual(known);
    } finally {
      work.stop();
    }
  });

  it('answers a known and an unknown address in the same time (median of 20 paired tries within 25%)', async () => {
    const owner = await register(flow.t);
    const unknown = `nobody-${randomUUID().slice(0, 8)}@${owner.organization.subdomain}.test`;
    const dataSource = flow.t.app.get(DataSource);
    const decided = async (): Promise<number> => {
      const [{ count }] = await dataSource.query<{ count: string | number }[]>(
        'SELECT COUNT(*) AS count FROM audit_logs WHERE organization_id = ? AND action IN (?, ?)',
        [owner.organization.id, 'auth.password.reset_link_sent', 'auth.password.reset_not_sent'],
      );
      return Number(count);
    };
    let requests = 0;
    const once = async (email: string): Promise<number> => {
      const started = performance.now();
      const response = await forgot(flow.t, owner, email);
      const elapsed = performance.now() - started;
      expect(response.status).toBe(202);
      requests += 1;
      // The job of this request runs after the answer (and its SMTP connection closes after
      // that): neither may slow down the next request.
      await waitFor(async () => (await decided()) === requests);
      await sleep(30);
      return elapsed;
    };
    for (let warmUp = 0; warmUp < 3; warmUp += 1) {
      await once(owner.email);
      await once(unknown);
    }
    // A try is the fastest of three requests: other processes on this machine only ever add
    // time, so the minimum keeps what the server itself spends, where a difference would be.
    // The two addresses take turns within each try, so both see the same moments of load.
    const known: number[] = [];
    const unknowns: number[] = [];
    for (let round = 0; round < 20; round += 1) {
      const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
      for (let turn = 0; turn < 3; turn += 1) {
        const order =
          (round + turn) % 2 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
        for (const which of order)
          times[which].push(await once(which === 'known' ? owner.email : unknown));
      }
      known.push(Math.min(...times.known));
      unknowns.push(Math.min(...times.unknown));
    }
    // Each try pairs the two addresses at the same moments: the median of the 20 ratios
    // compares them without the machine's load, which changes from one try to the next. Under
    // CI's load the noise reached 13%, as much as one extra INSERT adds (16-20%): the test above
    // catches any extra statement; this one catches what an attacker's clock sees first, such
    // as mail sent inside the request (twice the time).
    const ratios = known.map((time, index) => time / unknowns[index]);
    expect(Math.abs(median(ratios) - 1)).toBeLessThanOrEqual(0.25);
  }, 120_000);

  it('runs every reset job as its tenant; a job naming no or an unknown organization sends nothing', async () => {
    const owner = await register(flow.t);
    await resetLink(flow, owner);
    const runs = flow.t.logs.filter(
      (line) => line.msg === 'job completed' && String(line.job).startsWith('mail.password-'),
    );
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((line) => typeof line.organizationId === 'string')).toBe(true);

    const queue = flow.t.app.get<JobQueue>(JOB_QUEUE);
    const job = {
      name: 'mail.password-reset',
      payload: { email: owner.email },
      idempotencyKey: `test:${randomUUID()}`,
    };
    await expect(queue.enqueue({ ...job, organizationId: '' })).rejects.toThrow(/no organization/);
    const { id } = await queue.enqueue({ ...job, organizationId: randomUUID() });
    await waitFor(async () =>
      (await queue.listFailed(1, 100)).items.some((item) => item.id === id),
    );
    const failed = (await queue.listFailed(1, 100)).items.find((item) => item.id === id);
    expect(failed?.attempts).toBe(1);
    expect(failed?.lastError).toMatch(/does not exist/);
    // The registration's verification mail aside, one reset mail: the tenant-less jobs sent none.
    const mails = flow.sink.messages.filter(
      (mail) => mail.recipients.includes(owner.email) && /reset your password/.test(mail.subject),
    );
    expect(mails).toHaveLength(1);
  });

  // Last: it looks at everything the tests above made.
  it('puts no token into any log line, audit row or outbox event', async () => {
    const tokens = flow.sink.messages.flatMap(tokensIn);
    expect(tokens.length).toBeGreaterThanOrEqual(8);
    const dataSource = flow.t.app.get(DataSource);
    const stored = JSON.stringify([
      await dataSource.query('SELECT * FROM audit_logs'),
      await dataSource.query('SELECT * FROM outbox_events'),
    ]);
    const logged = JSON.stringify(flow.t.logs);
    expect(tokens.filter((token) => stored.includes(token) || logged.includes(token))).toEqual([]);
  });
});

describe('password reset limits', () => {
  const flow = {} as Flow;

  beforeAll(async () => {
    flow.sink = await startSmtpSink();
    flow.t = await startTestApp({
      env: {
        ...JOB_TEST_ENV,
        SMTP_URL: flow.sink.url,
        APP_URL: TEST_APP_URL,
        PASSWORD_RESET_TTL: '1s',
        PASSWORD_RESET_RATE_LIMIT: '3',
        AUTH_IP_RATE_LIMIT: '8',
        // Each test comes from its own address (X-Forwarded-For), so its IP counters are its own.
        TRUST_PROXY: '127.0.0.1',
      },
    });
  });
  afterAll(async () => {
    await flow.t?.close();
    await flow.sink?.stop();
  });

  it('refuses an expired link (410 TOKEN_EXPIRED)', async () => {
    const owner = await register(flow.t);
    const token = await resetLink(flow, owner);
    await sleep(1200);
    const late = await reset(flow.t, owner.organization.subdomain, token);
    expect([late.status, late.body.error]).toEqual([410, 'TOKEN_EXPIRED']);
  });

  it('limits requests per address, known or not, with 429 and Retry-After', async () => {
    const owner = await register(flow.t);
    const unknown = `nobody@${owner.organization.subdomain}.test`;
    for (const [index, email] of [owner.email, unknown].entries()) {
      const ip = `203.0.113.${10 + index}`;
      for (let attempt = 0; attempt < 3; attempt += 1)
        expect((await forgot(flow.t, owner, email, ip)).status).toBe(202);
      const refused = await forgot(flow.t, owner, email, ip);
      expect([email, refused.status, refused.body.error]).toEqual([
        email,
        429,
        'TOO_MANY_REQUESTS',
      ]);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    }
    // Another address from the same client is counted apart.
    const other = await forgot(
      flow.t,
      owner,
      `other@${owner.organization.subdomain}.test`,
      '203.0.113.10',
    );
    expect(other.status).toBe(202);
  });

  it('limits requests per client, each route apart, with 429 and Retry-After', async () => {
    const owner = await register(flow.t);
    const ip = '198.51.100.7';
    for (let attempt = 0; attempt < 8; attempt += 1)
      expect((await forgot(flow.t, owner, `a${attempt}@example.test`, ip)).status).toBe(202);
    const refused = await forgot(flow.t, owner, 'a9@example.test', ip);
    expect([refused.status, refused.body.error]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let attempt = 0; attempt < 8; attempt += 1)
      expect((await reset(flow.t, owner.organization.subdomain, 'x', ip)).status).toBe(400);
    const guessing = await reset(flow.t, owner.organization.subdomain, 'x', ip);
    expect([guessing.status, guessing.body.error]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(Number(guessing.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
