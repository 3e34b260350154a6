export * from './json-value';
export * from './message';
export * from './torch';
export * from './signing';
