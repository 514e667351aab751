import { childTraceparent, isValidRequestId, newTraceparent, parseTraceparent, w3cPropagator } from './correlation.js';

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

describe('request id', () => {
  it.each(['req-123', 'a', 'A.b_c:d-e', 'x'.repeat(128), '9b2c6f1e-6a3e-4f7c-9d2b-2a8f3c1e0b7d'])('accepts %s', (id) => {
    expect(isValidRequestId(id)).toBe(true);
  });

  it.each(['', 'x'.repeat(129), 'bad\nid', 'a b', 'a/b', 'a@b', 'a+b=', '<script>', 42, undefined])('rejects %p', (id) => {
    expect(isValidRequestId(id)).toBe(false);
  });
});

describe('w3cPropagator', () => {
  const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('extracts only well-formed values', () => {
    expect(w3cPropagator.extract({ 'x-request-id': 'req-1', traceparent: ` ${parent} ` })).toEqual({
      requestId: 'req-1',
      traceparent: parent,
    });
    expect(w3cPropagator.extract({ 'x-request-id': 'bad\nid', traceparent: 'junk' })).toEqual({});
    expect(w3cPropagator.extract({ 'x-request-id': ['a', 'b'] })).toEqual({});
    expect(w3cPropagator.extract({})).toEqual({});
  });

  it('injects the request id and one child traceparent per hop', () => {
    const carrier: Record<string, string> = {};
    w3cPropagator.inject({ requestId: 'req-1', traceparent: parent }, carrier);
    expect(carrier['x-request-id']).toBe('req-1');
    const child = parseTraceparent(carrier.traceparent);
    expect(child?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child?.parentId).not.toBe('00f067aa0ba902b7');
  });

  it('injects a new trace and no request id when there is no valid correlation', () => {
    const carrier: Record<string, string> = {};
    w3cPropagator.inject({ requestId: 'bad\nid' }, carrier);
    expect(carrier['x-request-id']).toBeUndefined();
    expect(parseTraceparent(carrier.traceparent)).toBeDefined();
  });
});
