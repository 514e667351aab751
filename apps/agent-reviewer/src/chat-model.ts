import type { BaseChatModel } from '@langchain/core/language_models/chat_models';

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
 * Build the configured chat model, or undefined when offline. Provider packages are loaded
 * only when chosen, so the offline path never imports them.
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
      .map((part) => (typeof part === 'string' ? part : part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : ''))
      .join('');
  }
  return '';
}
