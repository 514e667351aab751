import { ExchangeBackoff } from './exchange-backoff.js';

describe('ExchangeBackoff', () => {
  const alice = ExchangeBackoff.keyOf({ iss: 'https://issuer.test', sub: 'alice' });
  const bob = ExchangeBackoff.keyOf({ iss: 'https://issuer.test', sub: 'bob' });

  it('keys a caller by a sha256 of issuer and subject, never the subject itself', () => {
    expect(alice).toMatch(/^[0-9a-f]{64}$/);
    expect(alice).not.toBe(bob);
    expect(ExchangeBackoff.keyOf({ iss: 'https://other.test', sub: 'alice' })).not.toBe(alice);
    // No ambiguity between issuer and subject boundaries.
    expect(ExchangeBackoff.keyOf({ iss: 'a', sub: 'b\nc' })).not.toBe(ExchangeBackoff.keyOf({ iss: 'a\nb', sub: 'c' }));
  });

  it('answers the whole seconds left until Retry-After for that caller only, then forgets it', () => {
    let t = 1_000_000;
    const b = new ExchangeBackoff(10, () => t);
    expect(b.remainingSec(alice)).toBe(0);
    b.remember(alice, 5);
    expect(b.remainingSec(alice)).toBe(5);
    expect(b.remainingSec(bob)).toBe(0);
    t += 4_001;
    expect(b.remainingSec(alice)).toBe(1);
    t += 999;
    expect(b.remainingSec(alice)).toBe(0);
    expect(b.size).toBe(0);
  });

  it('keeps the longer of two waits', () => {
    let t = 0;
    const b = new ExchangeBackoff(10, () => t);
    b.remember(alice, 30);
    b.remember(alice, 2);
    t += 10_000;
    expect(b.remainingSec(alice)).toBe(20);
  });

  it('is bounded: past maxEntries the least recently throttled caller is forgotten', () => {
    const b = new ExchangeBackoff(2, () => 0);
    const keys = ['u1', 'u2', 'u3'].map((sub) => ExchangeBackoff.keyOf({ iss: 'i', sub }));
    for (const k of keys) b.remember(k, 60);
    expect(b.size).toBe(2);
    expect(keys.map((k) => b.remainingSec(k))).toEqual([0, 60, 60]);
  });
});
