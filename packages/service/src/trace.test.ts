import { childTraceparent, newTraceparent, parseTraceparent } from './trace.js';

describe('traceparent', () => {
  it('parses a valid W3C traceparent', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
  });

  it.each([
    ['garbage', 'nope'],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['uppercase hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
  ])('rejects %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('makes new and child traceparents that keep the trace id', () => {
    const t = newTraceparent();
    expect(parseTraceparent(t)).toBeDefined();
    const c = childTraceparent(t);
    expect(parseTraceparent(c)!.traceId).toBe(parseTraceparent(t)!.traceId);
    expect(parseTraceparent(c)!.parentId).not.toBe(parseTraceparent(t)!.parentId);
  });
});
