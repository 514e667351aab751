import { runAgent } from '@baton/agent-host';
import { createApp } from './app.js';
import { configSchema, REVIEWER } from './config.js';

await runAgent({ definition: REVIEWER, schema: configSchema, createApp });
