import { rateLimitClient } from './client-address';

describe('rateLimitClient', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
  ])('counts IPv4 %p as %p', (address, client) => {
    expect(rateLimitClient(address)).toBe(client);
  });

  it.each([
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:0000:0000:0000:0abc', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:1::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::203.0.113.7', '64:ff9b:0:0::/64'],
  ])('counts IPv6 %p by its /64, %p', (address, client) => {
    expect(rateLimitClient(address)).toBe(client);
  });

  it('puts two addresses of one /64 together and different /64s apart', () => {
    expect(rateLimitClient('2001:db8:aa:bb::1')).toBe(rateLimitClient('2001:db8:aa:bb:1:2:3:4'));
    expect(rateLimitClient('2001:db8:aa:bb::1')).not.toBe(rateLimitClient('2001:db8:aa:bc::1'));
    expect(rateLimitClient('::ffff:10.0.0.1')).not.toBe(rateLimitClient('::ffff:10.0.0.2'));
  });

  it('leaves what is not an IP address as it is', () => {
    expect(rateLimitClient('unknown')).toBe('unknown');
    expect(rateLimitClient('2001:db8::1::2')).toBe('2001:db8::1::2');
  });
});
