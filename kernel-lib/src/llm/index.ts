export * from './language-model';
export * from './redact-secrets';
export * from './request-deadline';
export * from './rate-limiter';
export * from './model-call-policy';
export * from './model-failures';
export * from './model-host';
export * from './create-ollama-model';
