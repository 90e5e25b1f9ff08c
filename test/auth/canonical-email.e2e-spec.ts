import { DataSource } from 'typeorm';
import { AuditLog } from '../../src/modules/audit/audit-log.entity';
import { canonicalEmail } from '../../src/security/email';
import { PasswordHasher } from '../../src/security/password-hasher.service';
import { SuperusersRepository } from '../../src/modules/platform/superusers.repository';
import {
  type ApiResponse,
  bearer,
  login,
  newSubdomain,
  PASSWORD,
  register,
  type Registered,
  request,
} from '../support/api-client';
import { describeMysqlOnly } from '../support/backend';
import { startTestApp, type TestApp } from '../support/test-app';

const WRONG = 'Wrong-Pass-for-tests';
const MAX_FAILURES = 5; // LOGIN_MAX_FAILURES default

/** Fullwidth forms of printable ASCII (U+FF01..U+FF5E). */
function fullwidth(text: string): string {
  return [...text].map((c) => String.fromCharCode(c.charCodeAt(0) - 0x21 + 0xff01)).join('');
}

/** Spellings of `<local>@<domain>` that are the same account: case, fullwidth, compatibility forms. */
function sameAccount(local: string, domain: string): string[] {
  const mathBold = (c: string) => String.fromCodePoint(0x1d41a + c.charCodeAt(0) - 0x61);
  return [
    `${local.toUpperCase()}@${domain.toUpperCase()}`,
    ` ${local[0].toUpperCase()}${local.slice(1)}@${domain} `,
    `${fullwidth(local.toUpperCase())}\uff20${domain}`,
    `${fullwidth(local)}@${fullwidth(domain)}`,
    `${mathBold(local[0])}${local.slice(1)}@${domain}`,
  ];
}

/** Spellings that differ from `victim@<domain>` by an accent: other accounts, however a collation sees them. */
function otherAccounts(domain: string): string[] {
  return [
    `v\u00ecctim@${domain}`, // precomposed i with grave
    `vi\u0300ctim@${domain}`, // i + combining grave
    `V\u00cdCTIM@${domain}`, // capital I with acute
    `vi\u0301ctim@${domain}`,
  ];
}

async function lock(attempt: (password: string) => Promise<ApiResponse>): Promise<void> {
  for (let failure = 1; failure <= MAX_FAILURES; failure += 1)
    expect((await attempt(WRONG)).status).toBe(401);
  expect((await attempt(WRONG)).status).toBe(429);
}

function auditRows(t: TestApp, action: string, organizationId: string | null): Promise<AuditLog[]> {
  return t.app
    .get(DataSource)
    .getRepository(AuditLog)
    .find({ where: { action, organizationId: organizationId ?? undefined } });
}

describe('one canonical email', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUTH_IP_RATE_LIMIT: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('a locked tenant account', () => {
    let victim: Registered;
    let domain: string;

    beforeAll(async () => {
      const subdomain = newSubdomain('victim');
      domain = `${subdomain}.test`;
      victim = await register(t, { subdomain, email: `victim@${domain}` });
      await lock((password) => login(t, subdomain, victim.email, password));
    });

    it('stays locked under every spelling of its address, the right password included', async () => {
      for (const email of sameAccount('victim', domain)) {
        const response = await login(t, victim.organization.subdomain, email, victim.password);
        expect({ email, status: response.status }).toEqual({ email, status: 429 });
      }
    });

    it('is not reached through an accented address: that is another, unknown account', async () => {
      for (const email of otherAccounts(domain)) {
        const response = await login(t, victim.organization.subdomain, email, victim.password);
        expect({ email, status: response.status }).toEqual({ email, status: 401 });
      }
      const failures = (await auditRows(t, 'auth.login.failed', victim.organization.id)).filter(
        (row) => row.metadata?.email !== victim.email,
      );
      expect(failures).toHaveLength(otherAccounts(domain).length);
      for (const row of failures) {
        // Looked up under its own canonical address, and no user row was found.
        expect(row.userId).toBeNull();
        expect(row.metadata).toMatchObject({ reason: 'unknown_email' });
        expect(otherAccounts(domain).map(canonicalEmail)).toContain(row.metadata?.email);
      }
    });
  });

  describe('a locked platform superuser', () => {
    const domain = `platform-${newSubdomain()}.test`;
    const superLogin = (email: string, password: string) =>
      request(t, 'POST', '/api/auth/superuser/login', { body: { email, password } });

    beforeAll(async () => {
      const hash = await t.app.get(PasswordHasher).hash(PASSWORD);
      await t.app.get(SuperusersRepository).upsert(canonicalEmail(`victim@${domain}`), hash);
      await lock((password) => superLogin(`victim@${domain}`, password));
    });

    it('stays locked under every spelling of its address', async () => {
      for (const email of sameAccount('victim', domain)) {
        const response = await superLogin(email, PASSWORD);
        expect({ email, status: response.status }).toEqual({ email, status: 429 });
      }
    });

    it('is not reached through an accented address', async () => {
      for (const email of otherAccounts(domain)) {
        const response = await superLogin(email, PASSWORD);
        expect({ email, status: response.status }).toEqual({ email, status: 401 });
      }
    });
  });

  describe('uniqueness, the same on every backend', () => {
    let owner: Registered;
    let domain: string;
    const createUser = (email: string) =>
      request(t, 'POST', '/api/users', {
        body: {
          email,
          password: PASSWORD,
          firstName: 'Grace',
          lastName: 'Hopper',
          roles: ['client'],
        },
        headers: bearer(owner.tokens.accessToken),
      });

    beforeAll(async () => {
      const subdomain = newSubdomain('unique');
      domain = `${subdomain}.test`;
      // Registered under a spelling that is not canonical: it is stored canonical.
      owner = await register(t, { subdomain, email: `ＯＷＮＥＲ@${domain.toUpperCase()}` });
    });

    it('stores the canonical form on register and on user create', async () => {
      expect(owner.user.email).toBe(`owner@${domain}`);
      const created = await createUser(`  Staff@${domain.toUpperCase()} `);
      expect(created.status).toBe(201);
      expect(created.json<{ email: string }>().data.email).toBe(`staff@${domain}`);
    });

    it('refuses every spelling of an existing address with 409, and accepts accented ones as new', async () => {
      const taken = [...sameAccount('owner', domain), `OWNER@${domain}`, `owner@${domain}`];
      for (const email of taken) {
        const response = await createUser(email);
        expect({ email, status: response.status }).toEqual({ email, status: 409 });
      }
      // Each accent variant is a new address once, then taken under its other spellings.
      const first = await createUser(`\u00f6wner@${domain}`);
      expect(first.status).toBe(201);
      for (const email of [`o\u0308wner@${domain}`, `\u00d6WNER@${domain}`]) {
        const response = await createUser(email);
        expect({ email, status: response.status }).toEqual({ email, status: 409 });
      }
      expect((await createUser(`\u00f3wner@${domain}`)).status).toBe(201);
    });

    it('finds users by any spelling of part of their email', async () => {
      expect((await createUser(`finder@${domain}`)).status).toBe(201);
      for (const search of ['FINDER', 'Finder@', fullwidth('finder')]) {
        const response = await request(
          t,
          'GET',
          `/api/users?search=${encodeURIComponent(search)}`,
          { headers: bearer(owner.tokens.accessToken) },
        );
        const emails = response.json<{ email: string }[]>().data.map((user) => user.email);
        expect({ search, emails }).toEqual({ search, emails: [`finder@${domain}`] });
      }
    });
  });

  describe('validation after normalization', () => {
    it('refuses an address that gains a second @ from a fullwidth one, on every entry point', async () => {
      const subdomain = newSubdomain('smuggle');
      const smuggled = `victim\uff20evil.test@${subdomain}.test`;
      const registered = await request(t, 'POST', '/api/auth/register', {
        body: {
          organization: { name: 'Smuggle', subdomain },
          email: smuggled,
          password: PASSWORD,
          firstName: 'A',
          lastName: 'B',
        },
      });
      const owner = await register(t);
      const responses = [
        registered,
        await login(t, owner.organization.subdomain, smuggled, PASSWORD),
        await request(t, 'POST', '/api/auth/superuser/login', {
          body: { email: smuggled, password: PASSWORD },
        }),
        await request(t, 'POST', '/api/users', {
          body: { email: smuggled, password: PASSWORD, firstName: 'A', lastName: 'B', roles: [] },
          headers: bearer(owner.tokens.accessToken),
        }),
      ];
      for (const response of responses) {
        expect(response.status).toBe(400);
        const body = response.body;
        expect(body).toMatchObject({ error: 'VALIDATION_ERROR' });
        expect(body.details).toEqual([{ field: 'email', messages: ['email must be an email'] }]);
      }
    });
  });
});

describeMysqlOnly('email columns on MariaDB / MySQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('compare byte for byte (binary collation), as SQLite does', async () => {
    const rows: { table: string; column: string; collation: string }[] = await t.app
      .get(DataSource)
      .query(
        `SELECT table_name AS \`table\`, column_name AS \`column\`, collation_name AS collation
         FROM information_schema.columns
         WHERE table_schema = DATABASE() AND column_name IN ('email', 'pending_email')
         ORDER BY table_name, column_name`,
      );
    expect(rows).toEqual([
      { table: 'account_tokens', column: 'email', collation: 'utf8mb4_bin' },
      { table: 'invitations', column: 'email', collation: 'utf8mb4_bin' },
      { table: 'invitations', column: 'pending_email', collation: 'utf8mb4_bin' },
      { table: 'superusers', column: 'email', collation: 'utf8mb4_bin' },
      { table: 'users', column: 'email', collation: 'utf8mb4_bin' },
    ]);
  });
});
