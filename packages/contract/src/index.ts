export * from './topology.js';
export * from './env.js';
export * from './wire/index.js';
export * from './config-reference.js';
