import { parseByteSize, parseDurationSeconds } from './duration';

describe('parseDurationSeconds', () => {
  it.each([
    ['15m', 900],
    ['3600s', 3600],
    ['12h', 43_200],
    ['7d', 604_800],
    ['90', 90],
    [' 5m ', 300],
  ])('reads %p as %d seconds', (raw, seconds) => {
    expect(parseDurationSeconds(raw)).toBe(seconds);
  });

  it.each([
    '',
    '0',
    '0s',
    '-5m',
    '1.5h',
    '15 m',
    '15min',
    '2w',
    'm',
    'abc',
    '99999999999999999999d',
  ])('refuses %p', (raw) => {
    expect(parseDurationSeconds(raw)).toBeNull();
  });
});

describe('parseByteSize', () => {
  it.each([
    ['1048576', 1_048_576],
    ['512b', 512],
    ['512kb', 524_288],
    ['1mb', 1_048_576],
    ['2MB', 2_097_152],
  ])('reads %p as %d bytes', (raw, bytes) => {
    expect(parseByteSize(raw)).toBe(bytes);
  });

  it.each(['', '0', '0kb', '-1', '1.5mb', '1gb', '1 mb', 'lots'])('refuses %p', (raw) => {
    expect(parseByteSize(raw)).toBeNull();
  });
});
