export * from './run-log';
export * from './migrations';
export * from './sqlite-run-log';
export * from './run-log-view';
export * from './pipeline-events';
export * from './run-recorder';
export * from './jsonl-debug-log';
