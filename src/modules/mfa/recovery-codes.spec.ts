import {
  findRecoveryCode,
  hashRecoveryCode,
  newRecoveryCodes,
  RECOVERY_CODE_PATTERN,
} from './recovery-codes';

describe('recovery codes', () => {
  it('makes 10 distinct codes of 16 base32 characters in groups of four', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
      expect(code).toMatch(RECOVERY_CODE_PATTERN);
    }
    expect(newRecoveryCodes()).not.toEqual(codes);
  });

  it('hashes the code as typed in any case, with or without dashes or spaces, per owner', () => {
    const hash = hashRecoveryCode('user-1', 'ABCD-EFGH-JKLM-NPQR');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode('user-1', 'abcdefghjklmnpqr')).toBe(hash);
    expect(hashRecoveryCode('user-1', 'abcd efgh jklm npqr')).toBe(hash);
    expect(hashRecoveryCode('user-2', 'ABCD-EFGH-JKLM-NPQR')).not.toBe(hash);
  });

  it('finds a hash among the unused ones', () => {
    const hashes = ['a', 'b', 'c'].map((code) =>
      hashRecoveryCode('user-1', `${code}AAA-AAAA-AAAA-AAAA`),
    );
    expect(findRecoveryCode(hashes, hashes[1])).toBe(1);
    expect(findRecoveryCode(hashes, hashRecoveryCode('user-1', 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'))).toBe(-1);
    expect(findRecoveryCode([], hashes[0])).toBe(-1);
  });
});
