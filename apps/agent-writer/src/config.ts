import type { z } from 'zod';
import { WRITER, writerEnvSchema } from '@baton/contract';

/** The writer's name, path, port, audience and scope: `@baton/contract`'s topology. */
export { WRITER };

/** Shared agent variables plus the writer's pacing and optional LLM provider: `@baton/contract`'s `writerEnvSchema`. */
export const configSchema = writerEnvSchema;

export type WriterConfig = z.infer<typeof configSchema>;
