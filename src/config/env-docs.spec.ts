import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvVarSpec } from './env-parsers';
import { ENV_SCHEMA } from './env.schema';

const ROOT = join(__dirname, '..', '..');
const SCHEMA = Object.entries(ENV_SCHEMA) as [string, EnvVarSpec<unknown>][];

/** `KEY=value` lines of .env.example, commented out or not. */
function envExampleEntries(): Map<string, string> {
  const text = readFileSync(join(ROOT, '.env.example'), 'utf8');
  return new Map(
    [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, key, value]) => [key, value]),
  );
}

/** Rows `| \`KEY\` | default | meaning |` of docs/configuration.md, the env table. */
function configurationRows(): Map<string, string> {
  const text = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
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
  const documented = configurationRows();

  it.each(SCHEMA)('.env.example documents %s with its default', (key, spec) => {
    expect(example.has(key)).toBe(true);
    expect(example.get(key)).toBe(spec.default ?? '');
  });

  it.each(SCHEMA)('docs/configuration.md has a table row for %s with its default', (key, spec) => {
    expect(documented.has(key)).toBe(true);
    const shown =
      spec.default === undefined ? '—' : spec.default === '' ? '(empty)' : `\`${spec.default}\``;
    expect(documented.get(key)).toBe(shown);
  });

  it('documents no variable that the schema does not have', () => {
    const known = new Set(Object.keys(ENV_SCHEMA));
    expect([...example.keys()].filter((key) => !known.has(key))).toEqual([]);
    expect([...documented.keys()].filter((key) => !known.has(key))).toEqual([]);
  });
});
