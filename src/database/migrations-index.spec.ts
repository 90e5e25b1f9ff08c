import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../../migrations';

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

async function exportsOf(file: string): Promise<Record<string, unknown>> {
  return (await import(join(MIGRATIONS_DIR, file))) as Record<string, unknown>;
}

/** TypeORM only runs what MIGRATIONS lists, so a file that is not listed would silently never run. */
describe('migrations/index.ts', () => {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter(
      (file) =>
        /\.ts$/.test(file) && file !== 'index.ts' && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(file),
    )
    .sort();

  it('finds the migration files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('lists every migration class exported by %s', async (file) => {
    const exported = Object.values(await exportsOf(file)).filter(
      (value) => typeof value === 'function',
    );
    expect(exported.length).toBeGreaterThan(0);
    for (const migration of exported) expect(MIGRATIONS).toContain(migration);
  });

  it.each(files)(
    'names %s <timestamp>-<Name>.ts after the class <Name><timestamp>',
    async (file) => {
      const match = /^(\d{13})-([A-Za-z0-9]+)\.ts$/.exec(file);
      expect(match).not.toBeNull();
      const [, timestamp, name] = match ?? [];
      expect(Object.keys(await exportsOf(file))).toContain(`${name}${timestamp}`);
    },
  );

  it('lists the migrations in timestamp order, each once', () => {
    const timestamps = MIGRATIONS.map((migration) => Number(/(\d{13})$/.exec(migration.name)?.[1]));
    expect(timestamps.every(Number.isFinite)).toBe(true);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(new Set(MIGRATIONS).size).toBe(MIGRATIONS.length);
  });
});
