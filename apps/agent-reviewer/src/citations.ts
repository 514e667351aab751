/** A `Sources` / `References` heading, matched on one line with its trailing whitespace removed. */
const SOURCES_HEADING = /^#{1,6}\s*(?:sources|references)\s*:?$/i;

/**
 * The report body: everything before a `Sources` / `References` heading (the list there
 * names every source and must not count as citing it). A heading is one line (`#`…`######` at
 * its start). Linear in the report's length: each line is looked at once, and the pattern is
 * anchored and has no two quantifiers that can trade characters (a line of 40,000 spaces used
 * to cost seconds with `\s*:?\s*$`).
 */
export function reportBody(report: string): string {
  let start = 0;
  while (start <= report.length) {
    let end = report.indexOf('\n', start);
    if (end === -1) end = report.length;
    if (report.charCodeAt(start) === 0x23 /* # */ && SOURCES_HEADING.test(report.slice(start, end).trimEnd())) {
      return report.slice(0, start);
    }
    start = end + 1;
  }
  return report;
}

/** Every `[n]` (and each number of `[n, m]` / `[n][m]`) cited in a text, in order of appearance. */
export function citedNumbers(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\](?!\()/g)) {
    for (const n of m[1]!.split(',')) out.push(Number(n.trim()));
  }
  return out;
}
