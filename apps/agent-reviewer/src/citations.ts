/**
 * The report body: everything before a `Sources` / `References` heading (the list there
 * names every source and must not count as citing it).
 */
export function reportBody(report: string): string {
  const m = /^#{1,6}\s*(?:sources|references)\s*:?\s*$/im.exec(report);
  return m ? report.slice(0, m.index) : report;
}

/** Every `[n]` (and each number of `[n, m]` / `[n][m]`) cited in a text, in order of appearance. */
export function citedNumbers(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\](?!\()/g)) {
    for (const n of m[1]!.split(',')) out.push(Number(n.trim()));
  }
  return out;
}
