import { DataSource } from 'typeorm';
import { containsPattern, LIKE_ESCAPE } from '../../database/like';

/**
 * The LIKE escaping the product search relies on (src/http/pagination.dto.ts): first the
 * patterns it builds, then what they match in a real (in-memory) SQLite, with the same
 * `LIKE :pattern ESCAPE '!'` clause ProductsRepository writes. MariaDB is covered by the e2e run.
 */
describe('product search patterns', () => {
  it.each([
    ['cotton', '%cotton%'],
    ['100%', '%100!%%'],
    ['_', '%!_%'],
    ['a_b%c', '%a!_b!%c%'],
    ['Bang!', '%Bang!!%'],
    ['!%_', '%!!!%!_%'],
    ["O'Brien", "%O'Brien%"],
    ['back\\slash', '%back\\slash%'],
    ['', '%%'],
  ])('escapes %j as %j', (term, pattern) => {
    expect(containsPattern(term)).toBe(pattern);
  });

  it("pairs with ESCAPE '!'", () => {
    expect(LIKE_ESCAPE).toBe("ESCAPE '!'");
  });

  describe('in SQLite', () => {
    const names = [
      '100% cotton',
      '1000 cotton buds',
      'snake_case mug',
      'snakeXcase mug',
      "O'Brien's tea",
      'Bang! poster',
      'back\\slash shelf',
      'Plain',
    ];
    const db = new DataSource({ type: 'better-sqlite3', database: ':memory:' });

    beforeAll(async () => {
      await db.initialize();
      await db.query('CREATE TABLE products (name TEXT NOT NULL)');
      for (const name of names) await db.query('INSERT INTO products (name) VALUES (?)', [name]);
    });
    afterAll(async () => {
      await db.destroy();
    });

    const search = async (term: string): Promise<string[]> => {
      const rows: { name: string }[] = await db.query(
        `SELECT name FROM products WHERE name LIKE ? ${LIKE_ESCAPE} ORDER BY name`,
        [containsPattern(term)],
      );
      return rows.map((row) => row.name);
    };

    it.each([
      ['100%', ['100% cotton']],
      ['%', ['100% cotton']],
      ['_', ['snake_case mug']],
      ['snake_case', ['snake_case mug']],
      ['!', ['Bang! poster']],
      ["'", ["O'Brien's tea"]],
      ['\\', ['back\\slash shelf']],
      ['COTTON', ['100% cotton', '1000 cotton buds']],
      ['__', []],
    ])('finds %j literally', async (term, expected) => {
      expect(await search(term)).toEqual(expected);
    });

    it('matches everything for an empty term, which the repository therefore never sends', async () => {
      expect(await search('')).toHaveLength(names.length);
    });
  });
});
