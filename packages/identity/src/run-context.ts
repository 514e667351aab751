import { z } from 'zod';
import { isCaller, type Caller } from './caller.js';

/** A genuine Caller (a copy or a look-alike object fails). */
const CallerSchema = z.custom<Caller>(isCaller, 'the run has no authenticated caller');

/**
 * The per-run context (LangGraph's `context`, never `configurable`): who the run is for. Put there
 * by `@baton/runnable-server` from `req.auth`, declared by the workflow graph, read by
 * `@baton/remote`. Never checkpointed, never copied into traces.
 */
export const RunContext = z.object({ caller: CallerSchema });
export type RunContext = z.infer<typeof RunContext>;

/** The caller of a run config (`config.context.caller`), or undefined when there is none (or it is not genuine). */
export function callerOf(config: { context?: unknown } | undefined | null): Caller | undefined {
  const context = config?.context;
  if (typeof context !== 'object' || context === null) return undefined;
  const caller = (context as { caller?: unknown }).caller;
  return isCaller(caller) ? caller : undefined;
}
