import * as bcrypt from 'bcrypt';
import type { AppConfig } from '../config/app-config';
import { PasswordHasher } from './password-hasher.service';

// The real bcrypt, with compare observed: the timing guarantee is that a compare always runs.
jest.mock('bcrypt', () => {
  const actual = jest.requireActual<typeof bcrypt>('bcrypt');
  return {
    ...actual,
    compare: jest.fn((data: string, encrypted: string) => actual.compare(data, encrypted)),
  };
});

const compare = jest.mocked(bcrypt.compare);

describe('PasswordHasher', () => {
  const config: Pick<AppConfig, 'bcryptRounds' | 'hashConcurrency'> = {
    bcryptRounds: 4,
    hashConcurrency: 2,
  };
  let hasher: PasswordHasher;

  beforeEach(() => {
    hasher = new PasswordHasher(config as AppConfig);
    compare.mockClear();
  });

  it('verifies a password against its own hash only', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$2b\$04\$/);
    await expect(hasher.verify('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(hasher.verify('Correct horse battery staple', hash)).resolves.toBe(false);
  });

  it.each([null, undefined])(
    'runs a full bcrypt compare without a stored hash (%p), and never matches',
    async (missing) => {
      // The dummy hash's own password must not open an account that has no hash.
      await expect(hasher.verify('dummy password that never matches', missing)).resolves.toBe(
        false,
      );
      expect(compare).toHaveBeenCalledTimes(1);
      expect(compare.mock.calls[0][1]).toMatch(/^\$2b\$04\$/);
    },
  );
});
