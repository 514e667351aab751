import { runAgent } from '@baton/agent-host';
import { createApp } from './app.js';
import { configSchema, WRITER } from './config.js';

await runAgent({ definition: WRITER, schema: configSchema, createApp });
