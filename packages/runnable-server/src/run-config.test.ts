import { filterClientConfig } from './run-config.js';
import { resolveOptions } from './options.js';

const defaults = resolveOptions({ path: '/x' });

describe('filterClientConfig', () => {
  it('accepts camelCase and snake_case keys and maps them to RunnableConfig fields', () => {
    expect(
      filterClientConfig(
        { runName: 'a', recursionLimit: 5, maxConcurrency: 2, tags: ['t'] },
        defaults.configKeys,
        defaults.configurableKeys,
      ),
    ).toEqual({
      runName: 'a',
      recursionLimit: 5,
      maxConcurrency: 2,
      tags: ['t'],
    });
    expect(
      filterClientConfig({ run_name: 'b', recursion_limit: 6, max_concurrency: 3 }, defaults.configKeys, defaults.configurableKeys),
    ).toEqual({
      runName: 'b',
      recursionLimit: 6,
      maxConcurrency: 3,
    });
  });

  it('lowers a recursion_limit above the server maximum to it, and keeps a smaller one', () => {
    const { configKeys, configurableKeys } = defaults;
    expect(filterClientConfig({ recursion_limit: 1000 }, configKeys, configurableKeys, 25)).toEqual({ recursionLimit: 25 });
    expect(filterClientConfig({ recursionLimit: 3 }, configKeys, configurableKeys, 25)).toEqual({ recursionLimit: 3 });
    expect(filterClientConfig({}, configKeys, configurableKeys, 25)).toEqual({});
    expect(defaults.maxRecursionLimit).toBe(25);
    expect(defaults.batchConcurrency).toBe(4);
  });

  it('drops metadata, callbacks, runId, context, signal, timeout, unknown keys and configurable by default', () => {
    const out = filterClientConfig(
      {
        metadata: { token: 'eyJhbGciOi.x.y' },
        callbacks: [{}],
        runId: 'r',
        run_id: 'r',
        context: { caller: { sub: 'mallory' } },
        signal: {},
        timeout: 1,
        configurable: { thread_id: 't', token: 'secret' },
        whatever: 1,
      },
      defaults.configKeys,
      defaults.configurableKeys,
    );
    expect(out).toEqual({});
  });

  it('keeps only the allowed configurable keys', () => {
    const o = resolveOptions({ path: '/x', configurableKeys: ['thread_id'] });
    expect(
      filterClientConfig({ configurable: { thread_id: 't1', token: 'secret', caller: {} } }, o.configKeys, o.configurableKeys),
    ).toEqual({
      configurable: { thread_id: 't1' },
    });
  });

  it('keeps metadata only when configKeys allows it', () => {
    const o = resolveOptions({ path: '/x', configKeys: ['metadata', 'runName'] });
    expect(filterClientConfig({ metadata: { a: 1 }, runName: 'n', tags: ['x'] }, o.configKeys, o.configurableKeys)).toEqual({
      metadata: { a: 1 },
      runName: 'n',
    });
  });

  it('rejects a wrong type on an allowed key with 422 RUNNABLE_CONFIG_INVALID', () => {
    expect(() => filterClientConfig({ recursionLimit: 'lots' }, defaults.configKeys, defaults.configurableKeys)).toThrow(
      expect.objectContaining({ code: 'RUNNABLE_CONFIG_INVALID', status: 422 }),
    );
    expect(() => filterClientConfig({ tags: 'x' }, defaults.configKeys, defaults.configurableKeys)).toThrow(
      expect.objectContaining({ code: 'RUNNABLE_CONFIG_INVALID' }),
    );
  });

  it('rejects a config that is not an object with 422 RUNNABLE_REQUEST_INVALID', () => {
    expect(() => filterClientConfig([1], defaults.configKeys, defaults.configurableKeys)).toThrow(
      expect.objectContaining({ code: 'RUNNABLE_REQUEST_INVALID', status: 422 }),
    );
  });
});

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    expect([...defaults.configKeys]).toEqual(['tags', 'run_name', 'recursion_limit', 'max_concurrency']);
    expect(defaults.configurableKeys.size).toBe(0);
    expect(defaults.bodyLimit).toBe('1mb');
    expect(defaults.maxBatchSize).toBe(100);
    expect(defaults.pingIntervalMs).toBe(15_000);
  });

  it.each([
    [{ path: 'research' }],
    [{ path: '/research/' }],
    [{ path: '/x', configKeys: ['callbacks'] }],
    [{ path: '/x', configKeys: ['configurable'] }],
    [{ path: '/x', configurableKeys: ['__baton_principal'] }],
    [{ path: '/x', maxBatchSize: 0 }],
    [{ path: '/x', pingIntervalMs: -1 }],
    [{ path: '/x', batchConcurrency: 1.5 }],
    [{ path: '/x', maxRecursionLimit: 0 }],
    [{ path: '/x', inputSchema: {} as never }],
    [{ path: '/x', auth: 'nope' as never }],
  ])('throws a TypeError at start-up for a bad option %j', (opts) => {
    expect(() => resolveOptions(opts)).toThrow(TypeError);
  });
});
