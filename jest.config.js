/** Jest projects: one per test folder, all run by `npm test`. */
const transform = {
  '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: false }],
};
const moduleNameMapper = {
  '^campfires$': '<rootDir>/kernel-lib/src/index.ts',
  // campfires/display is the browser-safe payloads module, not the whole display area.
  '^campfires/display$': '<rootDir>/kernel-lib/src/display/payloads.ts',
  '^campfires/(.*)$': '<rootDir>/kernel-lib/src/$1',
};
const project = (name, extra = {}) => ({
  displayName: name,
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform,
  moduleNameMapper,
  // Built copies of the extension and the lab app carry the same package names as their sources.
  modulePathIgnorePatterns: [
    '<rootDir>/jupyterlab-extension/labextension/',
    '<rootDir>/jupyterlab-extension/lab/',
    '<rootDir>/kernel-lib/labextension/',
    '<rootDir>/kernel-lib/fixtures/',
    '<rootDir>/.jupyter-test/',
    '<rootDir>/test-artifacts/',
  ],
  ...extra,
});

module.exports = {
  projects: [
    project('unit'),
    project('integration'),
    project('notebooks'),
    project('browser'),
    // The package as users get it: `campfires` resolves through node_modules and the
    // package's `exports` to the built dist/, never through the source mapping above.
    project('package', { moduleNameMapper: {} }),
  ],
  maxWorkers: 2,
  testTimeout: 30000,
};
