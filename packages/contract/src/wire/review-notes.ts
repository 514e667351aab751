import { z } from 'zod';

/**
 * What the reviewer asks of a revision, one note per request, as data: the writer acts on the
 * fields (never on the wording); `message` is the same request in English, for people and for a
 * chat model. The workflow carries notes from the reviewer to the writer unchanged.
 *
 * The field was `text` until 2026-12: the official LangServe JS client (`RemoteRunnable`) revives
 * any object with a `text` key into a `StringPromptValue`, so a note reached its users as a bare
 * string. A note saved with `text` (a checkpoint) is still read: see `upgradeReviewNote`.
 */
const message = z.string().min(1).describe('The note in English, for people and models');

/** Cite source `[source]` at least once (`missing`), or remove a citation that points at no source (`outside`). */
export const citeNoteSchema = z.object({
  kind: z.literal('cite'),
  /** 1-based source number: `[source]` in the report. */
  source: z.number().int().describe('Source number as cited, [n]'),
  problem: z.enum(['missing', 'outside']).describe('missing: cite it at least once; outside: remove it, no such source'),
  message,
});

/** Bring the whole report's length into the bounds: at least `minChars` or at most `maxChars`. */
export const lengthNoteSchema = z
  .object({
    kind: z.literal('length'),
    minChars: z.number().int().min(0).optional().describe('Expand to at least this many characters'),
    maxChars: z.number().int().min(0).optional().describe('Shorten to at most this many characters'),
    /** The report's length when reviewed. */
    actualChars: z.number().int().min(0),
    message,
  })
  .refine((n) => (n.minChars === undefined) !== (n.maxChars === undefined), { error: 'a length note has minChars or maxChars' });

/** Mention the topic term `term` (as the topic spells it), which the report never does. */
export const coverNoteSchema = z.object({
  kind: z.literal('cover'),
  term: z.string().min(1).describe('A significant word of the topic'),
  message,
});

/** Anything the rules did not make (a chat model's advice, a free-text request): only `message`. */
export const otherNoteSchema = z.object({
  kind: z.literal('other'),
  message,
});

export const reviewNoteSchema = z.discriminatedUnion('kind', [citeNoteSchema, lengthNoteSchema, coverNoteSchema, otherNoteSchema]);

export type CiteNote = z.output<typeof citeNoteSchema>;
export type LengthNote = z.output<typeof lengthNoteSchema>;
export type CoverNote = z.output<typeof coverNoteSchema>;
export type OtherNote = z.output<typeof otherNoteSchema>;
export type ReviewNote = z.output<typeof reviewNoteSchema>;
export type ReviewNoteKind = ReviewNote['kind'];

/** Longest note `message` the writer takes. */
export const MAX_NOTE_CHARS = 2000;

/**
 * A note as saved before the field was renamed (`text`, not `message`) becomes a current note;
 * anything else is returned as it is. For notes read back from storage (a checkpoint): the
 * workflow upgrades the notes of a saved run before they reach the writer or a client.
 */
export function upgradeReviewNote<T>(note: T): T {
  if (typeof note !== 'object' || note === null || Array.isArray(note)) return note;
  const n = note as Record<string, unknown>;
  if (!('text' in n) || 'message' in n || typeof n.text !== 'string') return note;
  const { text, ...rest } = n;
  return { ...rest, message: text } as T;
}

/**
 * A note as the writer takes it: a `ReviewNote`, a note saved with the old `text` field (read as
 * its `message`), or a plain string, read as `{kind: 'other', message}` (free text from a caller,
 * or a checkpointed run saved before notes were structured). Its message is at most
 * `MAX_NOTE_CHARS`.
 */
export const revisionNoteSchema = z
  .union([z.preprocess(upgradeReviewNote, reviewNoteSchema), z.string().transform((t): OtherNote => ({ kind: 'other', message: t }))])
  .refine((n) => n.message.length <= MAX_NOTE_CHARS, { error: `must be at most ${MAX_NOTE_CHARS} characters` });
export type RevisionNoteInput = ReviewNote | LegacyReviewNote | string;

/** A note as saved before 2026-12: `text` where a `ReviewNote` has `message`. Read, never written. */
export type LegacyReviewNote = ReviewNote extends infer N
  ? N extends { message: string }
    ? Omit<N, 'message'> & { text: string }
    : never
  : never;

// The display text of the rule notes, in one place: the reviewer writes them, tests read them.

/** `Cite source [n] ("title") at least once.` */
export function citeMissingNote(source: number, title: string): CiteNote {
  return { kind: 'cite', source, problem: 'missing', message: `Cite source [${source}] ("${title}") at least once.` };
}

/** `Remove citation [k]: it points outside the n sources (valid: [1]-[n]).` */
export function citeOutsideNote(source: number, sourceCount: number): CiteNote {
  const n = sourceCount;
  return {
    kind: 'cite',
    source,
    problem: 'outside',
    message: `Remove citation [${source}]: it points outside the ${n === 1 ? 'single source' : `${n} sources`} (valid: ${n === 0 ? 'none' : `[1]-[${n}]`}).`,
  };
}

/** `Expand the report to at least N characters (it has M).` */
export function expandNote(minChars: number, actualChars: number): LengthNote {
  return {
    kind: 'length',
    minChars,
    actualChars,
    message: `Expand the report to at least ${minChars} characters (it has ${actualChars}).`,
  };
}

/** `Shorten the report to at most N characters (it has M).` */
export function shortenNote(maxChars: number, actualChars: number): LengthNote {
  return {
    kind: 'length',
    maxChars,
    actualChars,
    message: `Shorten the report to at most ${maxChars} characters (it has ${actualChars}).`,
  };
}

/** `Cover the topic term "x", which the report never mentions.` */
export function coverNote(term: string): CoverNote {
  return { kind: 'cover', term, message: `Cover the topic term "${term}", which the report never mentions.` };
}

/** A note with only display text. */
export function otherNote(message: string): OtherNote {
  return { kind: 'other', message };
}
