import { isReservedRoleName, RESERVED_ROLE_NAMES, roleNameKey } from './role-name';

describe('role names', () => {
  it.each([
    ['SuperUser', 'superuser'],
    ['ＳＵＰＥＲＵＳＥＲ', 'superuser'],
    ['ſuperuser', 'superuser'],
    ['superuser ', 'superuser'],
    ['super\u200Buser', 'superuser'],
    ['\u2066super\u00ADuser\u2069', 'superuser'],
    ['\u212Aelvin', 'kelvin'], // Kelvin sign
    ['support', 'support'],
  ])('%j has the key %j', (name, key) => {
    expect(roleNameKey(name)).toBe(key);
  });

  it('reserves the platform words and every built-in role name, in any spelling', () => {
    expect([...RESERVED_ROLE_NAMES].sort()).toEqual(
      ['admin', 'client', 'platform', 'root', 'staff', 'superuser', 'system'].sort(),
    );
    for (const name of ['ＲＯＯＴ', 'System', 'platform\u200D', 'ADMIN', 'Ｓｔａｆｆ'])
      expect({ name, reserved: isReservedRoleName(name) }).toEqual({ name, reserved: true });
    for (const name of ['support', 'superusers', 'rooted', 'admins'])
      expect({ name, reserved: isReservedRoleName(name) }).toEqual({ name, reserved: false });
  });
});
