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
  /**
   * Measure again (up to `attempts` times in all, default 3) while the ratio is at or above this,
   * and return the lowest: noise on a shared machine only ever slows a round down, so one quiet
   * measurement is the answer. Quadratic work stays above any linear bound in every attempt.
   */
  settleBelow?: number;
  attempts?: number;
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

/** Milliseconds per call of `fn` in one round: the call repeated until `minRoundMs` has passed. */
function round(fn: () => unknown, minRoundMs: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minRoundMs);
  return elapsed / calls;
}

/** Milliseconds per call of `fn`: the best of `rounds` rounds of at least `minRoundMs` each. */
export function timePerCall(fn: () => unknown, rounds = 5, minRoundMs = 15): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) best = Math.min(best, round(fn, minRoundMs));
  return best;
}

/**
 * The growth of `run(make(size))` from size n to factor·n. Inputs are made before timing, both
 * sizes are warmed up first (JIT), and their rounds alternate, so a busy spell on the machine
 * slows both sizes rather than one.
 */
export function measureGrowth<T>(make: (size: number) => T, run: (input: T) => unknown, n: number, options: GrowthOptions = {}): Growth {
  const { factor = 4, rounds = 5, minRoundMs = 15, settleBelow, attempts = 3 } = options;
  const smallInput = make(n);
  const largeInput = make(n * factor);
  run(smallInput);
  run(largeInput);
  let best: Growth | undefined;
  for (let a = 0; a < attempts; a++) {
    const g = measureOnce(smallInput, largeInput, run, n, rounds, minRoundMs);
    if (!best || g.ratio < best.ratio) best = g;
    if (settleBelow === undefined || best.ratio < settleBelow) break;
  }
  return best!;
}

function measureOnce<T>(smallInput: T, largeInput: T, run: (input: T) => unknown, n: number, rounds: number, minRoundMs: number): Growth {
  let small = Infinity;
  let large = Infinity;
  for (let r = 0; r < rounds; r++) {
    small = Math.min(
      small,
      round(() => run(smallInput), minRoundMs),
    );
    large = Math.min(
      large,
      round(() => run(largeInput), minRoundMs),
    );
  }
  return { n, small, large, ratio: large / small };
}
