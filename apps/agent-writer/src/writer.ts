import { setTimeout as sleep } from 'node:timers/promises';
import type { CallbackManagerForChainRun } from '@langchain/core/callbacks/manager';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { Runnable, type RunnableConfig } from '@langchain/core/runnables';
import { BatonError } from '@baton/errors';
import { toChunks } from './chunks.js';
import { composeReport } from './compose.js';
import { checkInputSize } from './limits.js';
import { streamModelDraft } from './llm-draft.js';
import { revisionPlan } from './revision-notes.js';
import { writerInputSchema, type ParsedWriterInput, type WriterInput } from '@baton/contract/wire';

const DEFAULT_CHUNK_DELAY_MS = 15;

export interface ReportWriterOptions {
  /** Pause between streamed chunks of the offline writer, so a reader sees it being written (default 15; 0 = none). */
  chunkDelayMs?: number;
  /** A chat model to write with instead of the offline composer. */
  model?: BaseChatModel;
}

/**
 * The writer agent: `{topic, sources, notes?, revision?}` -> the markdown report (a string).
 * `stream()` yields it in many small chunks (clauses, a few words each), pacing the offline
 * writer by `chunkDelayMs`; `invoke()` returns the same text at once. Stops when
 * `config.signal` aborts.
 */
export class ReportWriter extends Runnable<WriterInput, string> {
  static override lc_name(): string {
    return 'ReportWriter';
  }

  lc_namespace = ['baton', 'agent_writer'];

  private readonly chunkDelayMs: number;
  private readonly model: BaseChatModel | undefined;

  constructor(options: ReportWriterOptions = {}) {
    super();
    const delay = options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
    if (!Number.isFinite(delay) || delay < 0) throw new TypeError('chunkDelayMs must be a non-negative number');
    this.chunkDelayMs = delay;
    this.model = options.model;
    this.name = 'writer';
  }

  /** Whether a chat model writes the report (otherwise the offline composer does). */
  get usesModel(): boolean {
    return this.model !== undefined;
  }

  async invoke(input: WriterInput, options?: Partial<RunnableConfig>): Promise<string> {
    return this._callWithConfig(
      async (value: WriterInput, config?: Partial<RunnableConfig>, runManager?: CallbackManagerForChainRun) => {
        let out = '';
        for await (const chunk of this.write(value, config, runManager, false)) out += chunk;
        return out;
      },
      input,
      options,
    );
  }

  override async *_streamIterator(input: WriterInput, options?: Partial<RunnableConfig>): AsyncGenerator<string> {
    async function* single(): AsyncGenerator<WriterInput> {
      yield input;
    }
    yield* this._transformStreamWithConfig(
      single(),
      (inputs: AsyncGenerator<WriterInput>, runManager?: CallbackManagerForChainRun, config?: Partial<RunnableConfig>) =>
        this.writeAll(inputs, config, runManager),
      options,
    );
  }

  private async *writeAll(
    inputs: AsyncGenerator<WriterInput>,
    config?: Partial<RunnableConfig>,
    runManager?: CallbackManagerForChainRun,
  ): AsyncGenerator<string> {
    for await (const value of inputs) yield* this.write(value, config, runManager, true);
  }

  private async *write(
    raw: WriterInput,
    config: Partial<RunnableConfig> | undefined,
    runManager: CallbackManagerForChainRun | undefined,
    paced: boolean,
  ): AsyncGenerator<string> {
    const input = parseInput(raw);
    const signal = config?.signal;
    signal?.throwIfAborted();
    if (this.model) {
      yield* streamModelDraft(this.model, input, { ...(signal ? { signal } : {}), ...(runManager ? { runManager } : {}) });
      return;
    }
    const chunks = toChunks(composeReport(input, revisionPlan(input.notes)));
    for (let i = 0; i < chunks.length; i++) {
      if (paced && i > 0 && this.chunkDelayMs > 0) await sleep(this.chunkDelayMs, undefined, signal ? { signal } : undefined);
      signal?.throwIfAborted();
      yield chunks[i]!;
    }
  }
}

function parseInput(raw: WriterInput): ParsedWriterInput {
  const parsed = writerInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BatonError('RUNNABLE_INPUT_INVALID', 'Invalid writer input', {
      detail: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  checkInputSize(parsed.data);
  return parsed.data;
}
