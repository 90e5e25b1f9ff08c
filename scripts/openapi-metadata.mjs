#!/usr/bin/env node
/**
 * Writes src/openapi-metadata.ts: what the @nestjs/swagger CLI plugin (configured in
 * nest-cli.json) derives from the DTOs' types, validators and comments. `nest build` applies the
 * plugin while compiling; swc, which Jest uses, runs no TypeScript plugin, so the app loads this
 * file instead (SwaggerModule.loadPluginMetadata) and both produce the same document.
 *
 *   node scripts/openapi-metadata.mjs           regenerate the file
 *   node scripts/openapi-metadata.mjs --check   exit 1 when the committed file is stale
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const {
  PluginMetadataGenerator,
} = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator');
const { ReadonlyVisitor } = require('@nestjs/swagger/plugin');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'src');
const FILENAME = 'openapi-metadata.ts';

const nestCli = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8'));
const plugin = nestCli.compilerOptions.plugins.find((entry) => entry.name === '@nestjs/swagger');

function generate(outputDir) {
  new PluginMetadataGenerator().generate({
    visitors: [new ReadonlyVisitor({ ...plugin.options, pathToSource: sourceDir })],
    outputDir,
    filename: FILENAME,
    tsProgramRef: ReadonlyVisitor.createTsProgram(join(root, 'tsconfig.build.json')),
    printDiagnostics: false,
  });
}

if (process.argv.includes('--check')) {
  const scratch = mkdtempSync(join(tmpdir(), 'openapi-metadata-'));
  try {
    generate(scratch);
    const fresh = readFileSync(join(scratch, FILENAME), 'utf8');
    if (fresh !== readFileSync(join(sourceDir, FILENAME), 'utf8')) {
      process.stderr.write(`src/${FILENAME} is stale: run npm run openapi:metadata\n`);
      process.exit(1);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  generate(sourceDir);
  process.stdout.write(`Wrote src/${FILENAME}\n`);
}
