import type { CachedIdentity } from '../../context/identity';
import type { UserPrincipal } from '../../context/request-context';
import { mfaEnrolmentRequired, mfaRequiredOf } from './mfa-policy';

type Policy = CachedIdentity['organization']['mfaRequired'];

function principal(
  kind: 'tenant' | 'platform',
  roles: string[],
  policy: Policy,
  mfaEnabled: boolean,
) {
  return {
    kind,
    roles,
    identity: { user: { mfaEnabled, roles }, organization: { mfaRequired: policy } },
  } as unknown as UserPrincipal;
}

describe('the MFA policy', () => {
  it.each([
    ['off', ['admin'], false],
    ['admins', ['admin'], true],
    ['admins', ['staff'], false],
    ['everyone', ['client'], true],
  ] as const)('%s covers a user holding %j: %s', (policy, roles, covered) => {
    expect(mfaRequiredOf(principal('tenant', [...roles], policy, false), false)).toBe(covered);
  });

  it('asks nothing more of a user who has a second factor', () => {
    expect(mfaEnrolmentRequired(principal('tenant', ['admin'], 'everyone', true), false)).toBe(
      false,
    );
    expect(mfaEnrolmentRequired(principal('tenant', ['admin'], 'everyone', false), false)).toBe(
      true,
    );
  });

  it('covers superusers by SUPERUSER_MFA_REQUIRED alone', () => {
    const superuser = principal('platform', ['superuser'], 'off', false);
    expect(mfaEnrolmentRequired(superuser, true)).toBe(true);
    expect(mfaEnrolmentRequired(superuser, false)).toBe(false);
    expect(mfaEnrolmentRequired(principal('platform', ['superuser'], 'off', true), true)).toBe(
      false,
    );
  });
});
