export { addRoutes, type AnyRunnable } from './add-routes.js';
export type { AddRoutesOptions, ServerRunConfig } from './options.js';
