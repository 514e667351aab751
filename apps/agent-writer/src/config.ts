import type { z } from 'zod';
import { calledByWorkflow, WRITER as WRITER_ROW, writerEnvSchema } from '@baton/contract';

/** The writer agent's name, path, port, audience and scope (`@baton/contract`'s topology row), called by the workflow. */
export const WRITER = calledByWorkflow(WRITER_ROW);

/** Shared agent variables plus the writer's pacing and optional LLM provider: `@baton/contract`'s `writerEnvSchema`. */
export const configSchema = writerEnvSchema;

export type WriterConfig = z.infer<typeof configSchema>;
