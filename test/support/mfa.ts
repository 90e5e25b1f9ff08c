import { type ApiResponse, type AuthData, request } from './api-client';
import type { Account } from './tenants';
import { clearOfStepEnd, totp } from './totp';

/** What enrolment handed out: the base32 secret and the recovery codes, shown once. */
export interface Enrolment {
  secret: string;
  recoveryCodes: string[];
}

interface SetupData {
  secret: string;
  otpauthUrl: string;
  qrCodeDataUrl: string;
}

export interface ChallengeData {
  mfaRequired: true;
  mfaToken: string;
  methods: string[];
}

function expectStatus(result: ApiResponse<unknown>, expected: number): void {
  if (result.status !== expected) throw new Error(`expected ${expected}: ${result.describe()}`);
}

export async function startSetup(
  t: { baseUrl: string },
  account: Pick<Account, 'token' | 'password'>,
): Promise<SetupData> {
  const setup = await request<SetupData>(t, 'POST', '/api/auth/mfa/totp/setup', {
    token: account.token,
    body: { password: account.password },
  });
  expectStatus(setup, 200);
  return setup.body.data;
}

/**
 * Turns TOTP on for the account. The confirmation uses the previous step's code (within the
 * drift), which leaves the current and the next step's codes for the test's own sign-ins; it
 * is sent clear of the step's end, where the server's step would already be the next one.
 */
export async function enrol(
  t: { baseUrl: string },
  account: Pick<Account, 'token' | 'password'>,
): Promise<Enrolment> {
  const { secret } = await startSetup(t, account);
  await clearOfStepEnd();
  const confirm = await request<{ recoveryCodes: string[] }>(
    t,
    'POST',
    '/api/auth/mfa/totp/confirm',
    { token: account.token, body: { code: totp(secret, -1) } },
  );
  expectStatus(confirm, 200);
  return { secret, recoveryCodes: confirm.body.data.recoveryCodes };
}

/** The password step; the caller checks whether it answered a challenge. */
export function passwordStep(
  t: { baseUrl: string },
  account: Pick<Account, 'email' | 'password' | 'subdomain'>,
  extra: Record<string, unknown> = {},
): Promise<ApiResponse<ChallengeData>> {
  return request<ChallengeData>(
    t,
    'POST',
    account.subdomain ? '/api/auth/login' : '/api/auth/superuser/login',
    {
      body: { email: account.email, password: account.password, ...extra },
      tenant: account.subdomain,
    },
  );
}

export function verify(
  t: { baseUrl: string },
  body: { mfaToken: string; code?: string; recoveryCode?: string },
  headers: Record<string, string> = {},
): Promise<ApiResponse<AuthData>> {
  return request<AuthData>(t, 'POST', '/api/auth/mfa/verify', { body, headers });
}

/** Both steps: a session for an account with TOTP on, proven with the code `offset` steps from now. */
export async function mfaLogIn(
  t: { baseUrl: string },
  account: Pick<Account, 'email' | 'password' | 'subdomain'>,
  secret: string,
  offset = 0,
): Promise<AuthData> {
  const step = await passwordStep(t, account);
  expectStatus(step, 200);
  const result = await verify(t, { mfaToken: step.body.data.mfaToken, code: totp(secret, offset) });
  expectStatus(result, 200);
  return result.body.data;
}
