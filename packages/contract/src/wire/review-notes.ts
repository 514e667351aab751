import { z } from 'zod';

/**
 * What the reviewer asks of a revision, one note per request, as data: the writer acts on the
 * fields (never on the wording); `text` is the same request in English, for people and for a
 * chat model. The workflow carries notes from the reviewer to the writer unchanged.
 */
const text = z.string().min(1).describe('The note in English, for people and models');

/** Cite source `[source]` at least once (`missing`), or remove a citation that points at no source (`outside`). */
export const citeNoteSchema = z.object({
  kind: z.literal('cite'),
  /** 1-based source number: `[source]` in the report. */
  source: z.number().int().describe('Source number as cited, [n]'),
  problem: z.enum(['missing', 'outside']).describe('missing: cite it at least once; outside: remove it, no such source'),
  text,
});

/** Bring the whole report's length into the bounds: at least `minChars` or at most `maxChars`. */
export const lengthNoteSchema = z
  .object({
    kind: z.literal('length'),
    minChars: z.number().int().min(0).optional().describe('Expand to at least this many characters'),
    maxChars: z.number().int().min(0).optional().describe('Shorten to at most this many characters'),
    /** The report's length when reviewed. */
    actualChars: z.number().int().min(0),
    text,
  })
  .refine((n) => (n.minChars === undefined) !== (n.maxChars === undefined), { error: 'a length note has minChars or maxChars' });

/** Mention the topic term `term` (as the topic spells it), which the report never does. */
export const coverNoteSchema = z.object({
  kind: z.literal('cover'),
  term: z.string().min(1).describe('A significant word of the topic'),
  text,
});

/** Anything the rules did not make (a chat model's advice, a free-text request): only `text`. */
export const otherNoteSchema = z.object({
  kind: z.literal('other'),
  text,
});

export const reviewNoteSchema = z.discriminatedUnion('kind', [citeNoteSchema, lengthNoteSchema, coverNoteSchema, otherNoteSchema]);

export type CiteNote = z.output<typeof citeNoteSchema>;
export type LengthNote = z.output<typeof lengthNoteSchema>;
export type CoverNote = z.output<typeof coverNoteSchema>;
export type OtherNote = z.output<typeof otherNoteSchema>;
export type ReviewNote = z.output<typeof reviewNoteSchema>;
export type ReviewNoteKind = ReviewNote['kind'];

/** Longest note `text` the writer takes. */
export const MAX_NOTE_CHARS = 2000;

/**
 * A note as the writer takes it: a `ReviewNote`, or a plain string, read as `{kind: 'other', text}`
 * (free text from a caller, or a checkpointed run saved before notes were structured). Its text is
 * at most `MAX_NOTE_CHARS`.
 */
export const revisionNoteSchema = z
  .union([reviewNoteSchema, z.string().transform((t): OtherNote => ({ kind: 'other', text: t }))])
  .refine((n) => n.text.length <= MAX_NOTE_CHARS, { error: `must be at most ${MAX_NOTE_CHARS} characters` });
export type RevisionNoteInput = z.input<typeof revisionNoteSchema>;

// The display text of the rule notes, in one place: the reviewer writes them, tests read them.

/** `Cite source [n] ("title") at least once.` */
export function citeMissingNote(source: number, title: string): CiteNote {
  return { kind: 'cite', source, problem: 'missing', text: `Cite source [${source}] ("${title}") at least once.` };
}

/** `Remove citation [k]: it points outside the n sources (valid: [1]-[n]).` */
export function citeOutsideNote(source: number, sourceCount: number): CiteNote {
  const n = sourceCount;
  return {
    kind: 'cite',
    source,
    problem: 'outside',
    text: `Remove citation [${source}]: it points outside the ${n === 1 ? 'single source' : `${n} sources`} (valid: ${n === 0 ? 'none' : `[1]-[${n}]`}).`,
  };
}

/** `Expand the report to at least N characters (it has M).` */
export function expandNote(minChars: number, actualChars: number): LengthNote {
  return { kind: 'length', minChars, actualChars, text: `Expand the report to at least ${minChars} characters (it has ${actualChars}).` };
}

/** `Shorten the report to at most N characters (it has M).` */
export function shortenNote(maxChars: number, actualChars: number): LengthNote {
  return { kind: 'length', maxChars, actualChars, text: `Shorten the report to at most ${maxChars} characters (it has ${actualChars}).` };
}

/** `Cover the topic term "x", which the report never mentions.` */
export function coverNote(term: string): CoverNote {
  return { kind: 'cover', term, text: `Cover the topic term "${term}", which the report never mentions.` };
}

/** A note with only display text. */
export function otherNote(text: string): OtherNote {
  return { kind: 'other', text };
}
