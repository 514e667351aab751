// The bench's pure pieces: statistics, table formatting, CPU-profile grouping. No I/O, so a unit
// test can check them (packages/e2e/test/bench.test.ts).

/** The median of a list of numbers (the mean of the middle two for an even count); NaN when empty. */
export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The p-th percentile (0..100) of a list, nearest rank; NaN when empty. */
export function percentile(xs, p) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}

/**
 * The median of the per-round ratios a[i] / b[i]: rounds are interleaved, so each ratio compares two
 * figures taken under the same machine load, and the median drops a round a neighbour's job spoiled.
 */
export function medianRatio(a, b) {
  const n = Math.min(a.length, b.length);
  const r = [];
  for (let i = 0; i < n; i++) if (b[i] > 0) r.push(a[i] / b[i]);
  return median(r);
}

/** Least-squares slope of y over x for points [[x, y], ...]; NaN with fewer than two distinct x. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** The second half of a series of samples (for the soak's slope: after the warm-up). */
export const secondHalf = (points) => points.slice(Math.floor(points.length / 2));

/** A number for a table cell: `digits` decimals, '-' for missing or not finite. */
export function fmt(x, digits = 1) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** A plain-text table: the first column left-aligned, the rest right-aligned, columns padded to fit. */
export function formatTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/**
 * The layer a profile frame belongs to, from its script URL: a package under node_modules (its
 * name, scope included), a workspace package or app (`@baton/<dir>`), Node's own code, or one of
 * V8's pseudo-frames ((garbage collector), (program), (idle)).
 */
export function layerOf(callFrame) {
  const url = callFrame.url ?? '';
  const fn = callFrame.functionName ?? '';
  if (!url) {
    if (fn === '(garbage collector)') return 'GC';
    if (fn === '(idle)') return 'idle';
    if (fn === '(program)') return 'program (V8, native)';
    return 'node internals';
  }
  if (url.startsWith('node:') || !url.includes('/')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const ws = /\/(?:packages|apps)\/([^/]+)\//.exec(url);
  if (ws) return `@baton/${ws[1]}`;
  return 'other';
}

/**
 * Self time of a V8 `.cpuprofile` grouped by layer: [{ layer, ms, share }] largest first (share of
 * the sampled time without idle). `top` adds each layer's heaviest functions.
 */
export function groupProfile(profile, top = 0) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, timeDeltas[i] ?? 0));
  const layers = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const layer = layerOf(node.callFrame);
    const l = layers.get(layer) ?? { layer, us: 0, fns: new Map() };
    l.us += us;
    const fn = node.callFrame.functionName || '(anonymous)';
    l.fns.set(fn, (l.fns.get(fn) ?? 0) + us);
    layers.set(layer, l);
  }
  const busy = [...layers.values()].filter((l) => l.layer !== 'idle').reduce((s, l) => s + l.us, 0);
  return [...layers.values()]
    .filter((l) => l.layer !== 'idle')
    .sort((a, b) => b.us - a.us)
    .map((l) => ({
      layer: l.layer,
      ms: l.us / 1000,
      share: busy > 0 ? l.us / busy : 0,
      ...(top > 0
        ? {
            top: [...l.fns.entries()]
              .sort((a, b) => b[1] - a[1])
              .slice(0, top)
              .map(([name, us]) => ({ name, share: busy > 0 ? us / busy : 0 })),
          }
        : {}),
    }));
}
