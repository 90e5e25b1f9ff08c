import * as crypto from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import type { AppConfig } from '../../config/app-config';
import { ApiKeySecrets, parseApiKey } from './api-key-secrets';

// Counts the HMACs and constant-time comparisons `matches` makes, passing through to the real ones.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof NodeCrypto>('node:crypto');
  return {
    ...actual,
    createHmac: jest.fn(actual.createHmac),
    timingSafeEqual: jest.fn(actual.timingSafeEqual),
  };
});
const hmacs = jest.mocked(crypto.createHmac);
const comparisons = jest.mocked(crypto.timingSafeEqual);

const PEPPER = 'a-test-pepper-of-at-least-32-characters';

function secretsFor(environment: 'live' | 'test' = 'test', pepper = PEPPER): ApiKeySecrets {
  return new ApiKeySecrets({
    apiKeys: { pepper, pepperGenerated: false, environment },
  } as AppConfig);
}

/** A generated key whose secret holds the wanted characters (they are random; keep drawing). */
function keyWhoseSecretHas(secrets: ApiKeySecrets, characters: RegExp) {
  for (;;) {
    const generated = secrets.generate();
    const parsed = parseApiKey(generated.key);
    if (parsed && characters.test(parsed.secret)) return { ...generated, parsed };
  }
}

describe('API key format and secrets', () => {
  const secrets = secretsFor();

  it('makes sk_<env>_<publicId>_<secret> keys with 32 random bytes of secret', () => {
    const { key, publicId } = secrets.generate();
    expect(key).toMatch(/^sk_test_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseApiKey(key);
    expect(parsed).toEqual({ environment: 'test', publicId, secret: key.slice(33) });
    expect(Buffer.from(parsed?.secret ?? '', 'base64url')).toHaveLength(32);
    expect(secretsFor('live').generate().key).toMatch(/^sk_live_/);
    expect(secrets.generate().key).not.toBe(key);
  });

  it('splits a key whose secret holds _ and - one way only: everything after the third _', () => {
    const { key, publicId, parsed, secretHmac } = keyWhoseSecretHas(secrets, /_.*-|-.*_/);
    expect(parsed.publicId).toBe(publicId);
    expect(`sk_test_${publicId}_${parsed.secret}`).toBe(key);
    expect(secrets.matches(parsed.secret, secretHmac)).toBe(true);
    const leadingUnderscore = keyWhoseSecretHas(secrets, /^_/);
    expect(parseApiKey(leadingUnderscore.key)?.secret).toBe(leadingUnderscore.parsed.secret);
  });

  it.each([
    ['no prefix', 'abc'],
    ['another environment word', `sk_prod_${'a'.repeat(24)}_${'b'.repeat(43)}`],
    ['a short public id', `sk_test_${'a'.repeat(23)}_${'b'.repeat(44)}`],
    ['an upper-case public id', `sk_test_${'A'.repeat(24)}_${'b'.repeat(43)}`],
    ['a short secret', `sk_test_${'a'.repeat(24)}_${'b'.repeat(42)}`],
    ['a long secret', `sk_test_${'a'.repeat(24)}_${'b'.repeat(44)}`],
    ['a secret outside base64url', `sk_test_${'a'.repeat(24)}_${'b'.repeat(42)}=`],
    ['trailing text', `sk_test_${'a'.repeat(24)}_${'b'.repeat(43)} x`],
  ])('refuses %s', (_name, key) => {
    expect(parseApiKey(key)).toBeNull();
  });

  it('stores HMAC-SHA256 of the secret under the pepper, never the secret', () => {
    const { key, secretHmac } = secrets.generate();
    const secret = parseApiKey(key)?.secret ?? '';
    expect(secretHmac).toBe(crypto.createHmac('sha256', PEPPER).update(secret).digest('hex'));
    expect(secretHmac).not.toContain(secret);
    // Another pepper makes every stored HMAC useless.
    expect(secretsFor('test', `${PEPPER}x`).matches(secret, secretHmac)).toBe(false);
  });

  it('matches the right secret only, and never without a stored HMAC', () => {
    const { key, secretHmac } = secrets.generate();
    const secret = parseApiKey(key)?.secret ?? '';
    expect(secrets.matches(secret, secretHmac)).toBe(true);
    expect(secrets.matches(`${secret.slice(0, -1)}A`, secretHmac)).toBe(secret.endsWith('A'));
    expect(secrets.matches(secret, null)).toBe(false);
    expect(secrets.matches('', null)).toBe(false);
  });

  it('does the same work for a right secret, a wrong one and an unknown public id', () => {
    const { key, secretHmac } = secrets.generate();
    const secret = parseApiKey(key)?.secret ?? '';
    const wrong = secrets.generate().key.slice(33);
    const work = (check: () => boolean) => {
      hmacs.mockClear();
      comparisons.mockClear();
      const result = check();
      const compared = comparisons.mock.calls.map(([a, b]): number[] => [
        a.byteLength,
        b.byteLength,
      ]);
      return { result, hmacs: hmacs.mock.calls.length, compared };
    };
    // A timing measurement of a microsecond HMAC flakes on a busy machine; the property behind
    // it does not: one HMAC and one constant-time comparison of 32-byte digests in every case.
    const same = { hmacs: 1, compared: [[32, 32]] };
    expect(work(() => secrets.matches(secret, secretHmac))).toEqual({ result: true, ...same });
    expect(work(() => secrets.matches(wrong, secretHmac))).toEqual({ result: false, ...same });
    expect(work(() => secrets.matches(secret, null))).toEqual({ result: false, ...same });
  });
});
