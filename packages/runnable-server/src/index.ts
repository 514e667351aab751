export { addRoutes, type AnyRunnable } from './add-routes.js';
export { DEFAULT_CONFIG_KEYS, type AddRoutesOptions, type ServerRunConfig } from './options.js';
export { filterClientConfig } from './run-config.js';
export { toWire } from './serialize.js';
export { toRunError } from './run-error.js';
