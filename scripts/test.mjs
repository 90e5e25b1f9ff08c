#!/usr/bin/env node
/**
 * `npm test`: every test tier, in order, with one total at the end.
 *
 *   1. unit                 colocated src/**\/*.spec.ts (no services)
 *   2. e2e on MariaDB+Redis TEST_BACKEND=mysql: test/**\/*.e2e-spec.ts and src/**\/*.int-spec.ts
 *   3. e2e embedded         TEST_BACKEND=embedded: the same files on SQLite + the in-process
 *                           store; suites declared with describeMysqlOnly are skipped
 *
 * Each run writes jest's JSON report to .test-results/; the last line printed is
 * `N passed, N failed` over all runs. Exits non-zero when a test failed, a suite could not
 * run, or jest itself crashed. Extra arguments go to every jest run
 * (`npm test -- --testPathPatterns http`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, '.test-results');
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const extraArgs = process.argv.slice(2);

const runs = [
  { name: 'unit', project: 'unit', env: {} },
  { name: 'e2e-mysql', project: 'e2e', env: { TEST_BACKEND: 'mysql' } },
  // Files named *.services.*-spec.ts need MariaDB + Redis themselves; the embedded run leaves them out.
  {
    name: 'e2e-embedded',
    project: 'e2e',
    env: { TEST_BACKEND: 'embedded' },
    args: ['--testPathIgnorePatterns', '\\.services\\.'],
  },
];

/** Newest modification time of the files under `dir`, in ms. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The graceful-shutdown test runs the built server (dist/src/main.js), as production does.
 * Build when dist is missing or older than a source file; CI has just built, so it skips.
 */
function buildIfStale() {
  const main = join(root, 'dist', 'src', 'main.js');
  let builtAt = 0;
  try {
    builtAt = statSync(main).mtimeMs;
  } catch {
    // not built yet
  }
  const sourcesAt = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'migrations')));
  if (builtAt > sourcesAt) return true;
  console.log('\n=== build (dist/ is missing or older than src/) ===');
  const build = spawnSync(
    process.execPath,
    [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  return build.status === 0;
}

function summarize(run, status) {
  const file = join(resultsDir, `${run.name}.json`);
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // No report: jest crashed before writing one. Count the run as one failure.
    return { passed: 0, failed: 1, skipped: 0, line: `jest exited ${status} without a report` };
  }
  // Suites that could not run (a syntax error, a module that throws on import) have no tests
  // to count as failed; each counts as one failure so that a broken file is never "0 failed".
  const brokenSuites = report.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
  const failed =
    report.numFailedTests +
    brokenSuites +
    (status !== 0 && report.numFailedTests + brokenSuites === 0 ? 1 : 0);
  const skipped = report.numPendingTests + report.numTodoTests;
  const line =
    `${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped ` +
    `(${report.numTotalTestSuites} suites, ${report.numFailedTestSuites} failed)`;
  return { passed: report.numPassedTests, failed, skipped, line };
}

mkdirSync(resultsDir, { recursive: true });
const totals = { passed: 0, failed: 0 };
const lines = [];

if (!buildIfStale()) {
  totals.failed += 1;
  lines.push('build: failed');
}

for (const run of runs) {
  console.log(`\n=== ${run.name} ===`);
  const file = join(resultsDir, `${run.name}.json`);
  rmSync(file, { force: true });
  const args = [
    jestBin,
    '--selectProjects',
    run.project,
    '--ci',
    // Two cores: two workers keep both busy without starving the database and Redis.
    '--maxWorkers=2',
    '--json',
    '--outputFile',
    file,
    // A leaked handle must not hang CI; jest still prints which test left it open.
    '--forceExit',
    // A pattern passed through may match nothing in one of the projects; that is no failure.
    ...(run.args ?? []),
    ...(extraArgs.length > 0 ? ['--passWithNoTests'] : []),
    ...extraArgs,
  ];
  const child = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...run.env },
  });
  const status = child.status ?? 1;
  const summary = summarize(run, status);
  totals.passed += summary.passed;
  totals.failed += summary.failed;
  lines.push(`${run.name}: ${summary.line}`);
}

console.log('\n=== summary ===');
for (const line of lines) console.log(line);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
