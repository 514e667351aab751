import { FakeListChatModel } from '@langchain/core/utils/testing';
import { SAMPLE_SOURCES as SOURCES } from '@baton/testkit';
import { citedNumbers, reportBody } from './citations.js';
import { parseNotes } from './llm-notes.js';
import { createReviewerRunnable } from './reviewer.js';
import { checkReport, DEFAULT_RULES } from './rules.js';

const topic = 'token exchange for agents';
const para = (n: number) =>
  `Source [${n}] says something useful about token exchange for agents, which this paragraph restates in a few more words so that the report has a realistic length.`;
const sourcesList = SOURCES.map((s, i) => `- [${i + 1}] ${s.title} — ${s.url}`).join('\n');
const good = `# Token exchange for agents\n\n${para(1)}\n\n${para(2)}\n\n${para(3)}\n\n## Sources\n\n${sourcesList}\n`;

const reviewer = createReviewerRunnable();

describe('reviewer rules', () => {
  it('approves a report that cites every source, has a sensible length and covers the topic', async () => {
    await expect(reviewer.invoke({ topic, report: good, sources: SOURCES })).resolves.toEqual({
      approved: true,
      notes: [],
      checks: { citations: true, length: true, coverage: true },
    });
  });

  it('asks to cite a source the body never cites (the Sources list does not count)', async () => {
    const report = good.replace(para(2), 'This paragraph cites nothing but keeps the report long enough to pass the length check easily.');
    const out = await reviewer.invoke({ topic, report, sources: SOURCES });
    expect(out.approved).toBe(false);
    expect(out.checks).toEqual({ citations: false, length: true, coverage: true });
    expect(out.notes).toEqual([
      { kind: 'cite', source: 2, problem: 'missing', message: 'Cite source [2] ("Delegation versus impersonation") at least once.' },
    ]);
  });

  it('flags citations outside the source list', async () => {
    const out = await reviewer.invoke({ topic, report: good.replace('[3] says', '[3] and [7] say'), sources: SOURCES });
    expect(out.checks.citations).toBe(false);
    expect(out.notes).toEqual([
      { kind: 'cite', source: 7, problem: 'outside', message: 'Remove citation [7]: it points outside the 3 sources (valid: [1]-[3]).' },
    ]);
  });

  it('asks to expand a report below the minimum and to shorten one above the maximum', async () => {
    const short = await reviewer.invoke({ topic, report: 'Token exchange for agents [1][2][3].', sources: SOURCES });
    expect(short.checks).toEqual({ citations: true, length: false, coverage: true });
    expect(short.notes).toEqual([
      { kind: 'length', minChars: 400, actualChars: 36, message: 'Expand the report to at least 400 characters (it has 36).' },
    ]);
    const long = good + 'x'.repeat(DEFAULT_RULES.maxChars);
    const out = await reviewer.invoke({ topic, report: long, sources: SOURCES });
    expect(out.notes).toEqual([
      {
        kind: 'length',
        maxChars: 6000,
        actualChars: long.length,
        message: `Shorten the report to at most 6000 characters (it has ${long.length}).`,
      },
    ]);
  });

  it('uses configured length bounds', async () => {
    const strict = createReviewerRunnable({ rules: { minChars: 10, maxChars: 100 } });
    expect((await strict.invoke({ topic, report: good, sources: SOURCES })).checks.length).toBe(false);
    expect(() => createReviewerRunnable({ rules: { minChars: 10, maxChars: 5 } })).toThrow(TypeError);
  });

  it('names each significant topic term the report misses, ignoring stop-words and plural forms', async () => {
    const out = await reviewer.invoke({
      topic: 'token exchange for agents with mTLS and service meshes',
      report: good.replace(/agents/g, 'agent'),
      sources: SOURCES,
    });
    expect(out.checks.coverage).toBe(false);
    expect(out.notes).toEqual([
      { kind: 'cover', term: 'mtls', message: 'Cover the topic term "mtls", which the report never mentions.' },
      { kind: 'cover', term: 'service', message: 'Cover the topic term "service", which the report never mentions.' },
      { kind: 'cover', term: 'meshes', message: 'Cover the topic term "meshes", which the report never mentions.' },
    ]);
    const plural = await reviewer.invoke({
      topic: 'agents and meshes',
      report: good.replace('## Sources', 'One mesh per agent.\n\n## Sources'),
      sources: SOURCES,
    });
    expect(plural.checks.coverage).toBe(true);
  });

  it('treats an empty source list as nothing to cite', async () => {
    const report = `# Token exchange for agents\n\n${'No sources were found about token exchange for agents. '.repeat(8)}`;
    const out = checkReport({ topic, report, sources: [] });
    expect(out).toEqual({ approved: true, notes: [], checks: { citations: true, length: true, coverage: true } });
  });

  it('rejects invalid input with a 422 RUNNABLE_INPUT_INVALID error', async () => {
    await expect(reviewer.invoke({ topic, sources: [] } as never)).rejects.toMatchObject({ code: 'RUNNABLE_INPUT_INVALID', status: 422 });
  });
});

describe('citation parsing', () => {
  it('reads [n], [n, m] and [n][m] and ignores markdown links and the Sources section', () => {
    expect(citedNumbers('a [1] b [2, 3] c [4][5] d [link](http://x) e')).toEqual([1, 2, 3, 4, 5]);
    expect(reportBody('body [1]\n\n## Sources\n\n- [1] x')).toBe('body [1]\n\n');
    expect(reportBody('body [1]\n\n### References:\n- [1] x')).toBe('body [1]\n\n');
  });
});

describe('LLM notes', () => {
  it('appends the model suggestions but keeps the rule verdict authoritative', async () => {
    const model = new FakeListChatModel({
      responses: ['- Define RFC 8693 before using it.\n- Merge the second and third paragraphs.\nnot a bullet'],
    });
    const out = await createReviewerRunnable({ model }).invoke({ topic, report: good, sources: SOURCES });
    expect(out.approved).toBe(true);
    expect(out.checks).toEqual({ citations: true, length: true, coverage: true });
    expect(out.notes).toEqual([
      { kind: 'other', message: 'Suggestion: Define RFC 8693 before using it.' },
      { kind: 'other', message: 'Suggestion: Merge the second and third paragraphs.' },
    ]);
  });

  it('does not approve a failing report even if the model has nothing to add', async () => {
    const model = new FakeListChatModel({ responses: ['NONE'] });
    const out = await createReviewerRunnable({ model }).invoke({ topic, report: 'too short', sources: SOURCES });
    expect(out.approved).toBe(false);
    expect(out.notes.every((n) => n.kind !== 'other' && !n.message.startsWith('Suggestion:'))).toBe(true);
  });

  it('falls back to the rules alone when the model fails, and reports the failure', async () => {
    const model = new FakeListChatModel({ responses: ['x'] });
    jest.spyOn(model, 'invoke').mockRejectedValue(new Error('connect ECONNREFUSED'));
    const errors: unknown[] = [];
    const out = await createReviewerRunnable({ model, onModelError: (e) => errors.push(e) }).invoke({
      topic,
      report: good,
      sources: SOURCES,
    });
    expect(out.approved).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('parses at most three bullet suggestions', () => {
    expect(parseNotes('NONE')).toEqual([]);
    expect(parseNotes('- a\n* b\n• c\n- d')).toEqual(['Suggestion: a', 'Suggestion: b', 'Suggestion: c']);
  });
});
