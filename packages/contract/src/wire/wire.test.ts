import { researchOutputSchema, reviewInputSchema, reviewOutputSchema, writerInputSchema } from './agents.js';
import {
  citeMissingNote,
  citeOutsideNote,
  coverNote,
  expandNote,
  otherNote,
  reviewNoteSchema,
  revisionNoteSchema,
  upgradeReviewNote,
  shortenNote,
} from './review-notes.js';
import { sourceInputSchema, sourceSchema, writerSourceSchema } from './source.js';
import { workflowInputSchema, workflowOutputSchema } from './workflow.js';

const source = { id: 'a', title: 'A', url: 'https://docs.baton.local/a', excerpt: 'about a', score: 1 };

describe('Source', () => {
  it('requires a score from the research agent, takes it as optional from callers, and a non-empty title for the writer', () => {
    const { score: _score, ...unscored } = source;
    expect(sourceSchema.safeParse(unscored).success).toBe(false);
    expect(sourceInputSchema.safeParse(unscored).success).toBe(true);
    expect(sourceInputSchema.safeParse({ ...unscored, title: '' }).success).toBe(true); // the reviewer takes it
    expect(writerSourceSchema.safeParse({ ...unscored, title: '' }).success).toBe(false); // the writer prints titles
    expect(researchOutputSchema.parse({ topic: 't', sources: [source] })).toEqual({ topic: 't', sources: [source] });
  });
});

describe('review notes', () => {
  it('builds each rule note with its fields and the display text the reviewer has always written', () => {
    expect(citeMissingNote(2, 'Delegation')).toEqual({
      kind: 'cite',
      source: 2,
      problem: 'missing',
      message: 'Cite source [2] ("Delegation") at least once.',
    });
    expect(citeOutsideNote(7, 3).message).toBe('Remove citation [7]: it points outside the 3 sources (valid: [1]-[3]).');
    expect(citeOutsideNote(2, 1).message).toBe('Remove citation [2]: it points outside the single source (valid: [1]-[1]).');
    expect(citeOutsideNote(1, 0).message).toBe('Remove citation [1]: it points outside the 0 sources (valid: none).');
    expect(expandNote(400, 36)).toEqual({
      kind: 'length',
      minChars: 400,
      actualChars: 36,
      message: 'Expand the report to at least 400 characters (it has 36).',
    });
    expect(shortenNote(6000, 7000)).toEqual({
      kind: 'length',
      maxChars: 6000,
      actualChars: 7000,
      message: 'Shorten the report to at most 6000 characters (it has 7000).',
    });
    expect(coverNote('mtls')).toEqual({
      kind: 'cover',
      term: 'mtls',
      message: 'Cover the topic term "mtls", which the report never mentions.',
    });
    for (const note of [
      citeMissingNote(1, 't'),
      citeOutsideNote(4, 3),
      expandNote(1, 0),
      shortenNote(1, 2),
      coverNote('x'),
      otherNote('y'),
    ])
      expect(reviewNoteSchema.parse(note)).toEqual(note);
  });

  it('refuses notes without text, of an unknown kind, or a length note with no bound or both', () => {
    expect(reviewNoteSchema.safeParse({ kind: 'other' }).success).toBe(false);
    expect(reviewNoteSchema.safeParse({ kind: 'tone', message: 'friendlier' }).success).toBe(false);
    expect(reviewNoteSchema.safeParse({ kind: 'length', actualChars: 3, message: 't' }).success).toBe(false);
    expect(reviewNoteSchema.safeParse({ kind: 'length', minChars: 1, maxChars: 2, actualChars: 3, message: 't' }).success).toBe(false);
    expect(reviewNoteSchema.safeParse({ kind: 'cite', source: 1.5, problem: 'missing', message: 't' }).success).toBe(false);
    expect(reviewNoteSchema.safeParse({ kind: 'cite', source: 1, problem: 'extra', message: 't' }).success).toBe(false);
  });

  it('reads a plain string given to the writer as free text, and limits note text to 2000 characters', () => {
    expect(revisionNoteSchema.parse('Make it friendlier.')).toEqual({ kind: 'other', message: 'Make it friendlier.' });
    expect(revisionNoteSchema.safeParse('x'.repeat(2001)).success).toBe(false);
    expect(revisionNoteSchema.safeParse(otherNote('x'.repeat(2001))).success).toBe(false);
    expect(writerInputSchema.parse({ topic: 't', sources: [source], notes: [coverNote('x'), 'free'] }).notes).toEqual([
      coverNote('x'),
      { kind: 'other', message: 'free' },
    ]);
  });
});

describe('notes saved with the old `text` field (before the rename to `message`)', () => {
  it('upgrades a saved note to the current shape, and leaves current notes and other values alone', () => {
    const saved = { kind: 'cite', source: 2, problem: 'missing', text: 'Cite source [2] at least once.' };
    expect(upgradeReviewNote(saved)).toEqual({ kind: 'cite', source: 2, problem: 'missing', message: 'Cite source [2] at least once.' });
    expect(upgradeReviewNote(coverNote('x'))).toEqual(coverNote('x'));
    for (const v of ['free', null, 3, [1]]) expect(upgradeReviewNote(v)).toBe(v);
  });

  it('lets the writer read a saved note as its message; new notes have no text key', () => {
    const saved = { kind: 'length', minChars: 400, actualChars: 36, text: 'Expand.' };
    expect(revisionNoteSchema.parse(saved)).toEqual({ kind: 'length', minChars: 400, actualChars: 36, message: 'Expand.' });
    for (const n of [citeMissingNote(1, 'A'), citeOutsideNote(3, 1), expandNote(1, 0), shortenNote(1, 2), coverNote('x'), otherNote('y')])
      expect(n).not.toHaveProperty('text');
  });
});

describe('agent and workflow shapes', () => {
  it("carries the reviewer's structured notes unchanged into the workflow output", () => {
    const verdict = reviewOutputSchema.parse({
      approved: false,
      notes: [citeMissingNote(1, 'A'), otherNote('Suggestion: shorter intro.')],
      checks: { citations: false, length: true, coverage: true },
    });
    const out = workflowOutputSchema.parse({ topic: 't', report: 'r', sources: [source], review: verdict, revisions: 0 });
    expect(out.review).toEqual(verdict);
    expect(
      workflowOutputSchema.safeParse({ topic: 't', report: 'r', sources: [], review: { approved: false, notes: ['old'] }, revisions: 0 })
        .success,
    ).toBe(false);
  });

  it('keeps the input limits: topic 1-500 characters, trimmed; at most 50 sources', () => {
    expect(workflowInputSchema.parse({ topic: '  tokens ' })).toEqual({ topic: 'tokens' });
    expect(workflowInputSchema.safeParse({ topic: ' ' }).success).toBe(false);
    expect(workflowInputSchema.safeParse({ topic: 'x'.repeat(501) }).success).toBe(false);
    expect(reviewInputSchema.safeParse({ topic: 't', report: '', sources: Array(51).fill(source) }).success).toBe(false);
  });
});
