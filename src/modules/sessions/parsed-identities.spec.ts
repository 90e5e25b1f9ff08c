import { cachedIdentity } from '../../../test/support/cached-identity';
import { ParsedIdentities } from './parsed-identities';

function identityJson(userId: string, roles = ['admin']): string {
  return JSON.stringify(cachedIdentity({ userId, roles }));
}

describe('ParsedIdentities', () => {
  it('returns what JSON.parse returns, and the same object for the same text', () => {
    const parsed = new ParsedIdentities();
    const json = identityJson('u1');
    const first = parsed.parse(json);
    expect(first).toEqual(JSON.parse(json));
    expect(parsed.parse(`${json}`)).toBe(first);
  });

  it('never answers one text with the identity of another', () => {
    const parsed = new ParsedIdentities();
    const admin = parsed.parse(identityJson('u1', ['admin']));
    const demoted = parsed.parse(identityJson('u1', ['staff']));
    expect(admin.user.roles).toEqual(['admin']);
    expect(demoted.user.roles).toEqual(['staff']);
  });

  it('freezes what it shares, so one request cannot change the identity another sees', () => {
    const parsed = new ParsedIdentities();
    const identity = parsed.parse(identityJson('u1'));
    expect(() => identity.user.roles.push('superuser')).toThrow(TypeError);
    expect(() => {
      identity.permissions[0] = 'users.write';
    }).toThrow(TypeError);
    expect(() => {
      identity.organization.status = 'suspended';
    }).toThrow(TypeError);
    expect(parsed.parse(identityJson('u1'))).toEqual(JSON.parse(identityJson('u1')));
  });

  it('keeps at most its capacity, dropping the oldest first', () => {
    const parsed = new ParsedIdentities(2);
    const first = parsed.parse(identityJson('u1'));
    const second = parsed.parse(identityJson('u2'));
    parsed.parse(identityJson('u3'));
    expect(parsed.parse(identityJson('u2'))).toBe(second);
    const again = parsed.parse(identityJson('u1'));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
