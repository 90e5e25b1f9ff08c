import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_SCHEMA, type EnvVarSpec } from './env.schema';

const ROOT = join(__dirname, '..', '..');
const SCHEMA = Object.entries(ENV_SCHEMA) as [string, EnvVarSpec<unknown>][];

/** `KEY=value` lines of .env.example, commented out or not. */
function envExampleEntries(): Map<string, string> {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return new Map(
    [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, key, value]) => [key, value]),
  );
}

/** Rows `| \`KEY\` | default | meaning |` of the README's "## Configuration" section. */
function readmeRows(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const text = /^## Configuration$([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  return new Map(
    [...text.matchAll(/^\| *`([A-Z][A-Z0-9_]*)` *\| *([^|]*?) *\|/gm)].map(([, key, value]) => [
      key,
      value.trim(),
    ]),
  );
}

/** The schema is the one source of truth; these tests keep the two documents from drifting. */
describe('configuration documentation', () => {
  const example = envExampleEntries();
  const readme = readmeRows();

  it.each(SCHEMA)('.env.example documents %s with its default', (key, spec) => {
    expect(example.has(key)).toBe(true);
    expect(example.get(key)).toBe(spec.default ?? '');
  });

  it.each(SCHEMA)(
    'README.md has a configuration table row for %s with its default',
    (key, spec) => {
      expect(readme.has(key)).toBe(true);
      const shown =
        spec.default === undefined ? '—' : spec.default === '' ? '(empty)' : `\`${spec.default}\``;
      expect(readme.get(key)).toBe(shown);
    },
  );

  it('documents no variable that the schema does not have', () => {
    const known = new Set(Object.keys(ENV_SCHEMA));
    expect([...example.keys()].filter((key) => !known.has(key))).toEqual([]);
    expect([...readme.keys()].filter((key) => !known.has(key))).toEqual([]);
  });
});
