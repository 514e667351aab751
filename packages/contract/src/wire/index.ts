export * from './source.js';
export * from './review-notes.js';
export * from './agents.js';
export * from './workflow.js';
