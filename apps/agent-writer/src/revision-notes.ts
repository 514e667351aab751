import type { ReviewNote } from '@baton/contract/wire';

/**
 * What the offline writer does with the reviewer's notes (`@baton/contract`'s `ReviewNote`): it
 * reads their fields, never their wording. `other` notes (a model's advice, free text) and terms
 * longer than 80 characters are kept in `other`, for the LLM writer (which passes every note's
 * text to the model).
 */
export interface RevisionPlan {
  /** 1-based source numbers the report must cite. */
  readonly citeSources: readonly number[];
  /** Topic terms the report must mention (lower case). */
  readonly mentionTerms: readonly string[];
  readonly maxChars?: number;
  readonly minChars?: number;
  readonly other: readonly string[];
}

const MAX_TERM_CHARS = 80;

export function revisionPlan(notes: readonly ReviewNote[] = []): RevisionPlan {
  const citeSources: number[] = [];
  const mentionTerms: string[] = [];
  const other: string[] = [];
  let maxChars: number | undefined;
  let minChars: number | undefined;
  for (const note of notes) {
    switch (note.kind) {
      case 'cite':
        // a citation outside the sources needs nothing: the offline writer only cites real sources
        if (note.problem === 'missing') citeSources.push(note.source);
        break;
      case 'length':
        if (note.maxChars !== undefined) maxChars = Math.min(maxChars ?? Infinity, note.maxChars);
        if (note.minChars !== undefined) minChars = Math.max(minChars ?? 0, note.minChars);
        break;
      case 'cover':
        if (note.term.length <= MAX_TERM_CHARS) mentionTerms.push(note.term.toLowerCase());
        else other.push(note.message);
        break;
      case 'other':
        other.push(note.message);
        break;
    }
  }
  return {
    citeSources: [...new Set(citeSources)],
    mentionTerms: [...new Set(mentionTerms)],
    ...(maxChars !== undefined ? { maxChars } : {}),
    ...(minChars !== undefined ? { minChars } : {}),
    other,
  };
}
