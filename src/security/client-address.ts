import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client a rate limit counts: an IPv4 address, or the /64 network of an IPv6 one. A single
 * IPv6 host usually holds a whole /64 and can pick a fresh address per request, so counting
 * full IPv6 addresses would not limit it at all. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`)
 * is its IPv4 address. Anything that is not an IP address is its own key.
 */
export function rateLimitClient(address: string): string {
  if (isIPv4(address)) return address;
  const withoutZone = address.split('%')[0];
  if (!isIPv6(withoutZone)) return address;
  const groups = ipv6Groups(withoutZone);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail split in two). */
function ipv6Groups(address: string): number[] {
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [parseInt(piece, 16)];
          const [a, b, c, d] = piece.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = address.split('::');
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
