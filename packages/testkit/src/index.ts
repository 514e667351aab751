export * from './test-issuer.js';
export * from './spawn.js';
export * from './sse.js';
export * from './http.js';
export * from './sources.js';
export * from './growth.js';
export * from './event-source.js';
