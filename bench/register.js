/**
 * Runs the benchmark's TypeScript (and the src/ it imports) without a build step:
 * `node -r ./bench/register.js bench/run.ts`. It compiles each .ts file with @swc/core on
 * require, with the options Jest uses (swc.config.js). No type checking: `npm run typecheck` does that.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a -r preload is CommonJS by nature */
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
const swcOptions = require('../swc.config');

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    ...swcOptions,
    sourceMaps: 'inline',
    filename,
  });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
