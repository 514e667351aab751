// A run request (`POST /runs/wait`, `/runs/stream`, `/threads/{id}/runs/...`) as the SDK sends it:
// every field is supported, ignored or refused here, in one place (docs/PLATFORM-API.md lists them).
import { z } from 'zod';
import { BatonError, scrubSecrets } from '@baton/errors';
import { PLATFORM_ERRORS } from './error-codes.js';

/** The stream modes this server streams, as the SDK names them. */
export const STREAM_MODES = ['values', 'updates', 'custom', 'events', 'debug', 'messages-tuple'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

/** Stream modes the SDK can ask for that are not streamed (yet): 422, never silence. */
export const UNSUPPORTED_STREAM_MODES = ['messages', 'tasks', 'checkpoints', 'tools', 'lifecycle'] as const;

/** A LangGraph `Command` as the SDK sends it: resume an interrupt, go to nodes, update the state. */
export interface RunCommand {
  resume?: unknown;
  goto?: string[];
  update?: Record<string, unknown>;
}

export interface RunRequest {
  assistantId: string;
  /** The graph input; `null` continues a thread from its last checkpoint. */
  input: unknown;
  /** Instead of an input, on a thread: resume / goto / update (human in the loop). */
  command?: RunCommand;
  streamModes: StreamMode[];
  subgraphs: boolean;
  tags?: string[];
  recursionLimit?: number;
  interruptBefore?: string[] | '*';
  interruptAfter?: string[] | '*';
  /** `create`: a thread that does not exist yet is made (RemoteGraph always sends it). */
  ifNotExists: 'create' | 'reject';
  /** `interrupt`: a run in progress on the thread (this replica) is cancelled first; `reject` (default): 409. */
  multitaskStrategy: 'reject' | 'interrupt';
  /** `continue`: the run goes on when its client leaves (it can be joined); default `cancel`. */
  onDisconnect: 'cancel' | 'continue';
  /** The stream can be rejoined (`Location` header; `joinStream` with `Last-Event-ID`). */
  streamResumable: boolean;
}

const nodeList = z.union([z.literal('*'), z.array(z.string().max(200)).max(100)]);

const body = z.object({
  assistant_id: z.string().min(1).max(200),
  input: z.unknown().optional(),
  command: z
    .object({
      resume: z.unknown().optional(),
      goto: z.union([z.string().max(200), z.array(z.string().max(200)).max(20)]).nullish(),
      update: z.record(z.string(), z.unknown()).nullish(),
      // What a serialized LangGraph Command carries besides (RemoteGraph sends `command.toJSON()`).
      lg_name: z.literal('Command').optional(),
    })
    .strict()
    .nullish(),
  config: z
    .object({
      tags: z.array(z.string().max(200)).max(50).optional(),
      recursion_limit: z.number().int().positive().optional(),
      configurable: z.record(z.string(), z.unknown()).optional(),
    })
    .passthrough()
    .nullish(),
  context: z.unknown().optional(),
  metadata: z.unknown().optional(),
  stream_mode: z.union([z.string(), z.array(z.string()).max(20)]).nullish(),
  stream_subgraphs: z.boolean().nullish(),
  stream_resumable: z.boolean().nullish(),
  feedback_keys: z.unknown().optional(),
  interrupt_before: nodeList.nullish(),
  interrupt_after: nodeList.nullish(),
  checkpoint: z.unknown().optional(),
  checkpoint_id: z.unknown().optional(),
  webhook: z.unknown().optional(),
  strict_resume: z.boolean().nullish(),
  multitask_strategy: z.enum(['reject', 'interrupt', 'rollback', 'enqueue']).nullish(),
  on_completion: z.enum(['delete', 'keep']).nullish(),
  on_disconnect: z.enum(['cancel', 'continue']).nullish(),
  after_seconds: z.number().nonnegative().nullish(),
  if_not_exists: z.enum(['create', 'reject']).nullish(),
  checkpoint_during: z.boolean().nullish(),
  durability: z.enum(['sync', 'async', 'exit']).nullish(),
  langsmith_tracer: z.unknown().optional(),
});

type Body = z.infer<typeof body>;

const refuse = (field: string, why: string) =>
  new BatonError(PLATFORM_ERRORS.PLATFORM_FIELD_UNSUPPORTED, `${field}: ${why}`, { detail: { field } });

const present = (v: unknown) => v !== undefined && v !== null;

/** Configurable keys a client may not set: the thread comes from the path, checkpoints are not chosen by the client (yet). */
const RESERVED_CONFIGURABLE = ['thread_id', 'checkpoint_id', 'checkpoint_ns', 'checkpoint_map'];

/**
 * The run's context is the server's: it holds the verified caller. A client `context` that names
 * `caller` (a forged identity) is refused, and so is any other key: the served graphs declare no
 * client-settable context.
 */
function checkContext(context: unknown): void {
  if (context === undefined || context === null) return;
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new BatonError(PLATFORM_ERRORS.PLATFORM_CONTEXT_REFUSED, 'context must be an object');
  }
  const keys = Object.keys(context);
  if (keys.includes('caller')) {
    throw new BatonError(
      PLATFORM_ERRORS.PLATFORM_CONTEXT_REFUSED,
      'context.caller is set by the server from the verified token; a client may not send one',
    );
  }
  if (keys.length > 0) {
    const named = scrubSecrets(keys.slice(0, 5).join(', ').slice(0, 200));
    throw new BatonError(PLATFORM_ERRORS.PLATFORM_CONTEXT_REFUSED, `context keys are not accepted from clients: ${named}`);
  }
}

/** The fields refused outright (a server-side request to a caller-chosen URL) or not built yet. */
function checkRefused(b: Body): void {
  if (present(b.webhook)) throw refuse('webhook', 'refused: the server makes no request to a caller-chosen URL');
  if (b.command && present(b.input)) throw refuse('command', 'send either input or command, not both');
  if (present(b.checkpoint) || present(b.checkpoint_id))
    throw refuse('checkpoint', 'running from a chosen checkpoint is not supported yet');
  if (b.after_seconds) throw refuse('after_seconds', 'delayed runs are not supported');
  if (b.multitask_strategy === 'rollback' || b.multitask_strategy === 'enqueue') {
    throw refuse('multitask_strategy', `${b.multitask_strategy} is not supported yet (reject and interrupt are)`);
  }
  if (b.strict_resume === true) throw refuse('strict_resume', 'not supported yet');
  const configurable = b.config?.configurable ?? {};
  for (const key of RESERVED_CONFIGURABLE) {
    if (present(configurable[key]))
      throw refuse(`config.configurable.${key}`, 'the thread comes from the path; checkpoints are not chosen by clients');
  }
  checkContext(b.context);
}

/** `stream_mode` as a list of supported modes; an unsupported one is 422 (default `values`). */
export function parseStreamModes(raw: unknown): StreamMode[] {
  if (raw === undefined || raw === null) return ['values'];
  const modes = Array.isArray(raw) ? raw : [raw];
  if (modes.length === 0) return ['values'];
  const out: StreamMode[] = [];
  for (const mode of modes) {
    if (!(STREAM_MODES as readonly unknown[]).includes(mode)) {
      // The caller's own text, bounded and scrubbed of anything token-shaped before it is echoed.
      const name = typeof mode === 'string' ? scrubSecrets(mode.slice(0, 40)) : typeof mode;
      throw new BatonError(
        PLATFORM_ERRORS.PLATFORM_STREAM_MODE_UNSUPPORTED,
        `stream mode "${name}" is not streamed; supported: ${STREAM_MODES.join(', ')}`,
        {
          detail: { supported: STREAM_MODES },
        },
      );
    }
    if (!out.includes(mode as StreamMode)) out.push(mode as StreamMode);
  }
  return out;
}

function commandOf(c: NonNullable<Body['command']>): RunCommand {
  const goto = typeof c.goto === 'string' ? [c.goto] : c.goto?.length ? c.goto : undefined;
  return { ...(c.resume !== undefined ? { resume: c.resume } : {}), ...(goto ? { goto } : {}), ...(c.update ? { update: c.update } : {}) };
}

function issuesOf(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** Parses and checks a run request body (the thread, if any, comes from the path, not from here). */
export function parseRunRequest(raw: unknown): RunRequest {
  const parsed = body.safeParse(raw);
  if (!parsed.success) {
    throw new BatonError(PLATFORM_ERRORS.PLATFORM_REQUEST_INVALID, 'The run request does not have the Platform API shape', {
      detail: issuesOf(parsed.error),
    });
  }
  const b = parsed.data;
  checkRefused(b);
  return {
    assistantId: b.assistant_id,
    input: b.input ?? null,
    ...(b.command ? { command: commandOf(b.command) } : {}),
    streamModes: parseStreamModes(b.stream_mode),
    subgraphs: b.stream_subgraphs === true,
    ...(b.config?.tags ? { tags: b.config.tags } : {}),
    ...(b.config?.recursion_limit ? { recursionLimit: b.config.recursion_limit } : {}),
    ...(b.interrupt_before ? { interruptBefore: b.interrupt_before } : {}),
    ...(b.interrupt_after ? { interruptAfter: b.interrupt_after } : {}),
    ifNotExists: b.if_not_exists ?? 'reject',
    multitaskStrategy: b.multitask_strategy === 'interrupt' ? 'interrupt' : 'reject',
    onDisconnect: b.on_disconnect ?? 'cancel',
    streamResumable: b.stream_resumable === true,
  };
}
