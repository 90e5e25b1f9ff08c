/**
 * Runs the benchmark's TypeScript (and the src/ it imports) without a build step:
 * `node -r ./bench/register.js bench/run.ts`. It compiles each .ts file with @swc/core on
 * require, with the same options as the Jest transform (legacy decorators and their
 * metadata, which Nest and TypeORM need). No type checking: `npm run lint` does that.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a -r preload is CommonJS by nature */
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
