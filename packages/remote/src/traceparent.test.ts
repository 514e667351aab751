import { childTraceparent, newTraceparent, parseTraceparent } from './traceparent.js';

describe('traceparent', () => {
  const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('parses a valid header', () => {
    expect(parseTraceparent(parent)).toEqual({
      version: '00',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
  });

  it.each([
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['uppercase hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['extra fields in version 00', `${parent}-extra`],
    ['garbage', 'hello'],
  ])('rejects %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('accepts a future version with extra fields', () => {
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future')?.traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it('a child keeps the trace id and flags with a new span id', () => {
    const child = parseTraceparent(childTraceparent(parent));
    expect(child?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child?.flags).toBe('01');
    expect(child?.parentId).not.toBe('00f067aa0ba902b7');
  });

  it('starts a new trace without a valid parent', () => {
    expect(parseTraceparent(childTraceparent(undefined))).toBeDefined();
    expect(parseTraceparent(childTraceparent('junk'))).toBeDefined();
    expect(newTraceparent()).not.toBe(newTraceparent());
  });
});
