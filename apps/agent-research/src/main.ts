import { runAgent } from '@baton/agent-host';
import { createApp } from './app.js';
import { configSchema, RESEARCH } from './config.js';

await runAgent({ definition: RESEARCH, schema: configSchema, createApp });
