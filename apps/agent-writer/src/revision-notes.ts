/**
 * What the offline writer understands in reviewer notes. The reviewer's notes follow fixed
 * phrasings (see the reviewer's README): `Cite source [n] ...`, `... the topic term "x" ...`,
 * `... at most N characters ...`, `... at least N characters ...`. Anything else is kept in
 * `other` (the LLM writer passes every note to the model).
 */
export interface RevisionPlan {
  /** 1-based source numbers the report must cite. */
  readonly citeSources: readonly number[];
  /** Topic terms the report must mention. */
  readonly mentionTerms: readonly string[];
  readonly maxChars?: number;
  readonly minChars?: number;
  readonly other: readonly string[];
}

export function parseRevisionNotes(notes: readonly string[] = []): RevisionPlan {
  const citeSources: number[] = [];
  const mentionTerms: string[] = [];
  const other: string[] = [];
  let maxChars: number | undefined;
  let minChars: number | undefined;
  for (const note of notes) {
    let understood = false;
    for (const m of note.matchAll(/\bcite source \[(\d+)\]/gi)) {
      citeSources.push(Number(m[1]));
      understood = true;
    }
    for (const m of note.matchAll(/\bterm "([^"]{1,80})"/gi)) {
      mentionTerms.push(m[1]!.toLowerCase());
      understood = true;
    }
    const most = /\bat most (\d+) characters\b/i.exec(note);
    if (most) {
      maxChars = Math.min(maxChars ?? Infinity, Number(most[1]));
      understood = true;
    }
    const least = /\bat least (\d+) characters\b/i.exec(note);
    if (least) {
      minChars = Math.max(minChars ?? 0, Number(least[1]));
      understood = true;
    }
    if (/\bremove citation \[\d+\]/i.test(note)) understood = true; // the offline writer only cites real sources
    if (!understood) other.push(note);
  }
  return {
    citeSources: [...new Set(citeSources)],
    mentionTerms: [...new Set(mentionTerms)],
    ...(maxChars !== undefined ? { maxChars } : {}),
    ...(minChars !== undefined ? { minChars } : {}),
    other,
  };
}
