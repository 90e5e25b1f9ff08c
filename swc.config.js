/**
 * The swc options that compile our TypeScript outside `nest build`: Jest's transform
 * (jest.config.js) and the benchmark's require hook (bench/register.js). Legacy decorators and
 * their metadata are what Nest and TypeORM need.
 */
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
