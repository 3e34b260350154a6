export * from './campfires-error';
export * from './validate';
export * from './clock';
export * from './durations';
export * from './sizes';
export * from './ids';
