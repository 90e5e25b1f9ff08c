#!/usr/bin/env node
/**
 * `npm run migration:create -- <Name>`: writes migrations/<timestamp>-<Name>.ts, an empty
 * migration class <Name><timestamp> using the schema-builder API (so it runs unchanged on
 * MySQL and SQLite), and lists it in migrations/index.ts, which is what TypeORM runs.
 *
 * Not `typeorm migration:create`: its template fails this project's tsc (unused parameters),
 * leads to raw SQL, and it does not register the file in the index.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const migrationsDir = join(root, 'migrations');
const indexFile = join(migrationsDir, 'index.ts');

const fail = (message) => {
  console.error(message);
  process.exit(1);
};

const args = process.argv.slice(2);
if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
  fail('Usage: npm run migration:create -- <Name>   (PascalCase, e.g. AddProductTags)');
}
// Accept migrations/AddThing too, as typeorm migration:create takes a path.
const name = args[0].replace(/^(\.\/)?migrations\//, '');
if (!/^[A-Z][A-Za-z0-9]*$/.test(name))
  fail(`"${args[0]}" is not a PascalCase name such as AddProductTags`);

const timestamp = Date.now();
const className = `${name}${timestamp}`;
const fileBase = `${timestamp}-${name}`;
const file = join(migrationsDir, `${fileBase}.ts`);
if (existsSync(file)) fail(`${file} already exists`);

writeFileSync(
  file,
  `import type { MigrationInterface, QueryRunner } from 'typeorm';

/** TODO: what this migration changes. Use the schema-builder API (createTable, addColumn, createIndex...), not dialect SQL. */
export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(_queryRunner: QueryRunner): Promise<void> {}

  async down(_queryRunner: QueryRunner): Promise<void> {}
}
`,
);

const index = readFileSync(indexFile, 'utf8');
const importLine = `import { ${className} } from './${fileBase}';\n`;
const lastImport = [...index.matchAll(/^import .*;\n/gm)].at(-1);
const listEnd = /\n\];/.exec(index.slice(index.indexOf('MIGRATIONS')));
if (!lastImport || !listEnd) {
  console.log(`Created migrations/${fileBase}.ts`);
  fail(`Could not update migrations/index.ts: add ${className} to MIGRATIONS by hand.`);
}
const listEndAt = index.indexOf('MIGRATIONS') + listEnd.index;
const afterImport = lastImport.index + lastImport[0].length;
const updated =
  index.slice(0, afterImport) +
  importLine +
  index.slice(afterImport, listEndAt) +
  `\n  ${className},` +
  index.slice(listEndAt);
writeFileSync(indexFile, updated);
console.log(`Created migrations/${fileBase}.ts and listed ${className} in migrations/index.ts`);
