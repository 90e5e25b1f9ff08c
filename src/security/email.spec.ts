import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { type CanonicalEmail, canonicalEmail, IsCanonicalEmail, parseEmail } from './email';

/** Every code point that is not a surrogate half. */
function* codePoints(): Generator<string> {
  for (let code = 0; code <= 0x10ffff; code += 1) {
    if (code < 0xd800 || code > 0xdfff) yield String.fromCodePoint(code);
  }
}

class EmailDto {
  @IsCanonicalEmail()
  email!: CanonicalEmail;
}

async function throughDto(email: unknown): Promise<{ email: unknown; errors: number }> {
  const dto = plainToInstance(EmailDto, { email });
  return { email: dto.email, errors: (await validate(dto)).length };
}

describe('canonicalEmail', () => {
  it.each([
    ['  Victim@Example.TEST ', 'victim@example.test'],
    ['VICTIM@EXAMPLE.TEST', 'victim@example.test'],
    ['ＶＩＣＴＩＭ＠ｅｘａｍｐｌｅ.ｔｅｓｔ', 'victim@example.test'],
    ['\u3000victim@example.test\u3000', 'victim@example.test'],
    ['\u{1d42f}ictim@example.test', 'victim@example.test'],
    ['vi\u0300ctim@example.test', 'v\u00ecctim@example.test'],
    ['V\u00ccCTIM@example.test', 'v\u00ecctim@example.test'],
    ['\u017ftaff@example.test', 'staff@example.test'],
  ])('turns %p into %p', (raw, canonical) => {
    expect(canonicalEmail(raw)).toBe(canonical);
  });

  it('keeps accents: an accented address is another address', () => {
    expect(canonicalEmail('v\u00ecctim@example.test')).not.toBe(
      canonicalEmail('victim@example.test'),
    );
  });

  it('is idempotent for every code point, alone, leading and trailing', () => {
    const unstable: string[] = [];
    for (const character of codePoints()) {
      for (const raw of [character, `${character}a@b.test`, `a@b.test${character}`]) {
        const once = canonicalEmail(raw);
        if (canonicalEmail(once) !== once) unstable.push(JSON.stringify(raw));
      }
    }
    expect(unstable).toEqual([]);
  });

  it('is idempotent for random mixes of characters that normalization changes', () => {
    const changing = [...codePoints()].filter(
      (character) => canonicalEmail(`a${character}a`) !== `a${character}a`,
    );
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let run = 0; run < 20_000; run += 1) {
      const raw = Array.from({ length: 1 + (next() % 5) }, () =>
        next() % 3 === 0 ? 'a' : changing[next() % changing.length],
      ).join('');
      const once = canonicalEmail(raw);
      expect(canonicalEmail(once)).toBe(once);
    }
  });
});

describe('parseEmail', () => {
  it('validates the canonical form: a fullwidth at sign cannot smuggle a second @', () => {
    expect(parseEmail('victim\uff20evil.test@example.test')).toBeNull();
    expect(parseEmail('victim\uff20example.test')).toBe('victim@example.test');
  });
});

describe('@IsCanonicalEmail()', () => {
  it('hands the service the canonical form', async () => {
    expect(await throughDto(' ＶＩＣＴＩＭ＠Example.test ')).toEqual({
      email: 'victim@example.test',
      errors: 0,
    });
  });

  it.each([
    ['a second @ after normalization', 'a\uff20b@example.test'],
    ['no address at all', 'not-an-email'],
    ['a number', 42],
    ['nothing', undefined],
  ])('refuses %s', async (_case, email) => {
    expect((await throughDto(email)).errors).toBe(1);
  });
});
