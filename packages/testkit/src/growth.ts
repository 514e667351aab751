/**
 * How the cost of a function grows with its input, for tests that feed parsers hostile text:
 * compare the time per call at sizes n and factor·n (no absolute time limits). Linear work gives a
 * ratio near `factor`, quadratic work near `factor²`. Each size is timed as the best of several
 * rounds, and each round repeats the call until `minRoundMs` has passed, so timer resolution and
 * a busy neighbour on a shared machine do not decide the answer.
 */
export interface GrowthOptions {
  /** Size multiplier between the two measurements (default 4). */
  factor?: number;
  /** Timed rounds per size; the fastest counts (default 5). */
  rounds?: number;
  /** Each round repeats the call until this much time has passed (default 15). */
  minRoundMs?: number;
}

export interface Growth {
  readonly n: number;
  /** Milliseconds per call at size n. */
  readonly small: number;
  /** Milliseconds per call at size factor·n. */
  readonly large: number;
  /** large / small. */
  readonly ratio: number;
}

/** Milliseconds per call of `fn`: the best of `rounds` rounds of at least `minRoundMs` each. */
export function timePerCall(fn: () => unknown, rounds = 5, minRoundMs = 15): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed: number;
    do {
      fn();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < minRoundMs);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

/**
 * The growth of `run(make(size))` from size n to factor·n. Inputs are made before timing, and
 * both sizes are warmed up first (JIT), so only the work on the input is compared.
 */
export function measureGrowth<T>(make: (size: number) => T, run: (input: T) => unknown, n: number, options: GrowthOptions = {}): Growth {
  const { factor = 4, rounds = 5, minRoundMs = 15 } = options;
  const smallInput = make(n);
  const largeInput = make(n * factor);
  run(smallInput);
  run(largeInput);
  const small = timePerCall(() => run(smallInput), rounds, minRoundMs);
  const large = timePerCall(() => run(largeInput), rounds, minRoundMs);
  return { n, small, large, ratio: large / small };
}
