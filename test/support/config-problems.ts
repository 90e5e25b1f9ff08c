import { ConfigValidationError, loadConfig } from '../../src/config/app-config';

/** Runs loadConfig and returns the problems it reported (fails the test when it did not throw). */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** Production-strength values for the config specs. */
export const SECRET = 'a-production-secret-of-at-least-32-chars';
export const PEPPER = 'a-production-pepper-of-at-least-32-chars';
export const MFA_KEY = Buffer.alloc(32, 7).toString('base64');
/** What production needs besides the database, Redis, the JWT secret and the pepper: real mail and the MFA key. */
export const PRODUCTION_MAIL = {
  MFA_ENCRYPTION_KEY: MFA_KEY,
  SMTP_URL: 'smtp://mailer:pw@smtp.example.com:587',
  MAIL_FROM: 'Acme <no-reply@example.com>',
  APP_URL: 'https://app.example.com',
};
