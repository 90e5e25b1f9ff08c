import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from './http/error-codes';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Cells in the first column of the README tables within the section `## heading`. */
function firstColumn(heading: string): string[] {
  const section =
    new RegExp(`^## ${heading}$([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(README)?.[1] ?? '';
  return [...section.matchAll(/^\| *`([^`]+)` *\|/gm)].map(([, cell]) => cell);
}

/** The README documents what exists: every npm script and every error code, and nothing more. */
describe('README.md', () => {
  it('lists every npm script, and only those', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(firstColumn('npm scripts').sort()).toEqual(Object.keys(scripts).sort());
  });

  it('lists every error code, and only those', () => {
    expect(firstColumn('HTTP conventions').sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('keeps the placeholder heading for the authentication section', () => {
    expect(README).toMatch(/^## Authentication$/m);
  });
});
