import { z } from 'zod';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';
import { contentText, createChatModel, DEFAULT_MODELS, llmEnvFields, llmSettings, type LlmSettings } from './llm.js';

const schema = z.object({ OTHER: z.string().default('x'), ...llmEnvFields });

describe('llmEnvFields', () => {
  it('defaults to no provider and the local Ollama URL', () => {
    expect(schema.parse({})).toEqual({ OTHER: 'x', LLM_PROVIDER: 'none', OLLAMA_BASE_URL: 'http://127.0.0.1:11434' });
  });

  it('coerces the temperature, trims the model and strips trailing slashes from URLs', () => {
    const c = schema.parse({
      LLM_PROVIDER: 'openai',
      LLM_MODEL: ' gpt-x ',
      LLM_TEMPERATURE: '0.5',
      OPENAI_BASE_URL: 'https://llm.example/v1/',
    });
    expect(c).toMatchObject({
      LLM_PROVIDER: 'openai',
      LLM_MODEL: 'gpt-x',
      LLM_TEMPERATURE: 0.5,
      OPENAI_BASE_URL: 'https://llm.example/v1',
    });
  });

  it('rejects an unknown provider, a temperature above 2 and a non-http URL', () => {
    expect(schema.safeParse({ LLM_PROVIDER: 'anthropic' }).success).toBe(false);
    expect(schema.safeParse({ LLM_TEMPERATURE: '3' }).success).toBe(false);
    expect(schema.safeParse({ OLLAMA_BASE_URL: 'ftp://host' }).success).toBe(false);
  });
});

describe('llmSettings', () => {
  it('is offline for provider none, whatever else is set', () => {
    expect(llmSettings(schema.parse({ LLM_MODEL: 'm', OPENAI_API_KEY: 'k' }))).toEqual({ provider: 'none' });
  });

  it('passes model, temperature, key and base URL for openai', () => {
    expect(
      llmSettings(
        schema.parse({ LLM_PROVIDER: 'openai', LLM_MODEL: 'm', LLM_TEMPERATURE: '0', OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://h/v1' }),
      ),
    ).toEqual({
      provider: 'openai',
      model: 'm',
      temperature: 0,
      apiKey: 'k',
      baseUrl: 'http://h/v1',
    });
    expect(llmSettings(schema.parse({ LLM_PROVIDER: 'openai' }))).toEqual({ provider: 'openai' });
  });

  it('uses the Ollama base URL for ollama', () => {
    expect(llmSettings(schema.parse({ LLM_PROVIDER: 'ollama', OPENAI_API_KEY: 'k' }))).toEqual({
      provider: 'ollama',
      baseUrl: 'http://127.0.0.1:11434',
    });
  });
});

describe('createChatModel', () => {
  it('returns undefined offline', async () => {
    await expect(createChatModel({ provider: 'none' })).resolves.toBeUndefined();
  });

  it('builds a ChatOpenAI with the default model and temperature 0.2', async () => {
    const model = await createChatModel({ provider: 'openai', apiKey: 'sk-test', baseUrl: 'http://127.0.0.1:9/v1' });
    expect(model).toBeInstanceOf(ChatOpenAI);
    expect((model as ChatOpenAI).model).toBe(DEFAULT_MODELS.openai);
    expect((model as ChatOpenAI).temperature).toBe(0.2);
  });

  it('builds a ChatOllama with the configured model, temperature and base URL', async () => {
    const model = await createChatModel({ provider: 'ollama', model: 'tiny', temperature: 0, baseUrl: 'http://127.0.0.1:9' });
    expect(model).toBeInstanceOf(ChatOllama);
    expect((model as ChatOllama).model).toBe('tiny');
    expect((model as ChatOllama).temperature).toBe(0);
    expect((model as ChatOllama).baseUrl).toBe('http://127.0.0.1:9');
  });

  it('rejects an unknown provider with a TypeError', async () => {
    await expect(createChatModel({ provider: 'other' } as unknown as LlmSettings)).rejects.toThrow(
      new TypeError('Unknown LLM provider: other'),
    );
  });
});

describe('contentText', () => {
  it('reads a string, joins text parts of an array and ignores everything else', () => {
    expect(contentText('hi')).toBe('hi');
    expect(contentText(['a', { type: 'text', text: 'b' }, { type: 'image_url', image_url: 'x' }, null, { type: 'text' }])).toBe('ab');
    expect(contentText(undefined)).toBe('');
    expect(contentText({ type: 'text', text: 'x' })).toBe('');
  });
});
