import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CliIo } from '../../src/cli/cli-support';
import { main as seedCli } from '../../src/cli/seed';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from '../support/backend';
import { startTestApp, type TestApp, testEnv } from '../support/test-app';

/**
 * Every curl session of the documentation, run as written against the seeded demo: for each of
 * README.md and docs/*.md, the `sh` blocks that call curl run in order in one bash (as a reader
 * pasting them into one terminal would), with the documented base URL pointing at the test
 * server. What they print must be the blocks' `#` lines, in order, exactly.
 */

const ROOT = join(__dirname, '..', '..');
const DOCUMENTED_BASE_URL = 'http://localhost:3000';
const run = promisify(execFile);

interface CurlSession {
  file: string;
  script: string;
  /** The `# ` lines of the blocks: the output the documentation promises. */
  expected: string[];
}

function shBlocks(text: string): string[] {
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map(([, body]) => body);
}

function curlSession(file: string): CurlSession | undefined {
  const blocks = shBlocks(readFileSync(join(ROOT, file), 'utf8')).filter((block) =>
    /\bcurl\b/.test(block),
  );
  if (blocks.length === 0) return undefined;
  const script = blocks.join('\n');
  const expected = script
    .split('\n')
    .filter((line) => line.startsWith('# '))
    .map((line) => line.slice(2));
  return { file, script, expected };
}

const FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const SESSIONS = FILES.map(curlSession).filter((session) => session !== undefined);

const silentIo: CliIo = { out: () => undefined, err: () => undefined };

describe('the documentation', () => {
  it('starts with the quick start: run the API, run the tests, seed the demo, then curl', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const quickStart = /^## Quick start$([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
    const blocks = shBlocks(quickStart).map((block) => block.trim());
    expect(blocks.slice(0, 3)).toEqual([
      'npm ci && npm start',
      'npm ci && npm test',
      'npm run seed',
    ]);
    expect(blocks[3]).toContain(`curl -s -X POST ${DOCUMENTED_BASE_URL}/api/auth/login`);
    expect(SESSIONS.map((session) => session.file)).toContain('README.md');
  });

  it('promises an output for every curl session', () => {
    for (const session of SESSIONS)
      expect([session.file, session.expected.length > 0]).toEqual([session.file, true]);
  });
});

describe(`curl sessions of the documentation against the seeded demo (${TEST_BACKEND})`, () => {
  let database: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    // `npm run seed`, in-process, then the API on the seeded database.
    const seeded = await seedCli(
      [],
      testEnv(TEST_BACKEND, database.url, { LOG_LEVEL: 'warn' }),
      silentIo,
    );
    expect(seeded).toBe(0);
    t = await startTestApp({ database });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it.each(SESSIONS.map((session) => [session.file, session]))(
    '%s prints what it documents',
    async (_file, session) => {
      const script = session.script.replaceAll(DOCUMENTED_BASE_URL, t.baseUrl);
      const { stdout, stderr } = await run('bash', ['-c', `set -euo pipefail\n${script}`], {
        cwd: ROOT,
      });
      expect(stderr).toBe('');
      expect(stdout.split('\n').filter((line) => line !== '')).toEqual(session.expected);
    },
  );
});
