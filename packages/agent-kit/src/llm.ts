import { z } from 'zod';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { llmEnvFields } from '@baton/contract/env';

/** Which chat model, if any, backs the agent. `none` (the default) keeps it offline. */
export interface LlmSettings {
  readonly provider: 'none' | 'openai' | 'ollama';
  readonly model?: string;
  /** OpenAI-compatible API key (`openai` only). */
  readonly apiKey?: string;
  /** OpenAI-compatible base URL, or the Ollama server URL. */
  readonly baseUrl?: string;
  readonly temperature?: number;
}

export const DEFAULT_MODELS = { openai: 'gpt-4o-mini', ollama: 'llama3.1' } as const;

/**
 * The environment variables of the optional LLM provider (`@baton/contract`'s `llmEnvFields`, part
 * of the writer's and reviewer's environment schemas).
 */
export { llmEnvFields };

/** The parsed LLM variables (any config whose schema spreads `llmEnvFields` has them). */
export type LlmEnv = z.infer<z.ZodObject<typeof llmEnvFields>>;

/** The `LlmSettings` for `createChatModel` from a parsed config. */
export function llmSettings(config: LlmEnv): LlmSettings {
  const base = {
    ...(config.LLM_MODEL ? { model: config.LLM_MODEL } : {}),
    ...(config.LLM_TEMPERATURE !== undefined ? { temperature: config.LLM_TEMPERATURE } : {}),
  };
  switch (config.LLM_PROVIDER) {
    case 'openai':
      return {
        provider: 'openai',
        ...base,
        ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
        ...(config.OPENAI_BASE_URL ? { baseUrl: config.OPENAI_BASE_URL } : {}),
      };
    case 'ollama':
      return { provider: 'ollama', ...base, baseUrl: config.OLLAMA_BASE_URL };
    default:
      return { provider: 'none' };
  }
}

/**
 * Build the configured chat model, or undefined when offline. Provider packages (optional
 * peer dependencies: the agent that offers a provider depends on it) are loaded only when
 * chosen, so the offline path never imports them.
 */
export async function createChatModel(settings: LlmSettings): Promise<BaseChatModel | undefined> {
  switch (settings.provider) {
    case 'none':
      return undefined;
    case 'openai': {
      const { ChatOpenAI } = await import('@langchain/openai');
      return new ChatOpenAI({
        model: settings.model ?? DEFAULT_MODELS.openai,
        temperature: settings.temperature ?? 0.2,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...(settings.baseUrl ? { configuration: { baseURL: settings.baseUrl } } : {}),
      });
    }
    case 'ollama': {
      const { ChatOllama } = await import('@langchain/ollama');
      return new ChatOllama({
        model: settings.model ?? DEFAULT_MODELS.ollama,
        temperature: settings.temperature ?? 0.2,
        ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      });
    }
    default:
      throw new TypeError(`Unknown LLM provider: ${String((settings as { provider: unknown }).provider)}`);
  }
}

/** The text of a message chunk's content (string, or an array of content parts). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === 'string'
          ? part
          : part && typeof part === 'object' && (part as { type?: unknown }).type === 'text'
            ? String((part as { text?: unknown }).text ?? '')
            : '',
      )
      .join('');
  }
  return '';
}
