import { FakeListChatModel } from '@langchain/core/utils/testing';
import { SAMPLE_SOURCES as SOURCES } from '@baton/testkit';
import { toChunks } from './chunks.js';
import { citeMissingNote, coverNote, expandNote, otherNote, shortenNote } from '@baton/contract/wire';
import { revisionPlan } from './revision-notes.js';
import { asClause, splitSentences } from './sentences.js';
import { ReportWriter } from './writer.js';

const writer = new ReportWriter({ chunkDelayMs: 0 });
const input = { topic: 'token exchange for agents', sources: SOURCES };

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

function bodyOf(report: string): string {
  return report.split(/^## Sources$/m)[0]!;
}

describe('offline writer', () => {
  it('writes a titled markdown report citing every source as [n] and listing them', async () => {
    const report = await writer.invoke(input);
    expect(report).toMatch(/^# Token Exchange for Agents\n\n/);
    const body = bodyOf(report);
    for (let n = 1; n <= SOURCES.length; n++) expect(body).toContain(`[${n}]`);
    expect(body).not.toMatch(/\[(?:0|[4-9]|\d\d+)\]/);
    expect(report).toContain('## Sources\n\n- [1] RFC 8693 token exchange — https://docs.baton.local/oauth/token-exchange\n');
    expect(report).toContain('- [3] Audience restriction — https://docs.baton.local/oauth/audience');
  });

  it('builds each source paragraph from sentences of its excerpt, rephrased as reported speech', async () => {
    const report = await writer.invoke(input);
    expect(report).toContain(
      'According to *RFC 8693 token exchange* [1], token exchange, defined in RFC 8693, lets a service trade the token',
    );
    expect(report).toContain('*Delegation versus impersonation* [2] explains that delegation also allows policy on the actor.');
    expect(report).toMatch(/Taken together, the sources keep returning to .+ for token exchange for agents\./);
  });

  it('is deterministic', async () => {
    expect(await writer.invoke(input)).toBe(await new ReportWriter({ chunkDelayMs: 0 }).invoke(input));
  });

  it('streams the report in many small chunks whose concatenation equals invoke', async () => {
    const chunks = await collect(await writer.stream(input));
    expect(chunks.length).toBeGreaterThan(40);
    expect(chunks.join('')).toBe(await writer.invoke(input));
    for (const c of chunks) expect(c.length).toBeLessThan(120);
  });

  it('stops streaming when config.signal aborts', async () => {
    const paced = new ReportWriter({ chunkDelayMs: 5 });
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const c of await paced.stream(input, { signal: controller.signal })) {
          seen.push(c);
          if (seen.length === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(seen.length).toBeLessThan(10);
  });

  it('writes a short framing report when there are no sources', async () => {
    const report = await writer.invoke({ topic: 'quantum gardening', sources: [] });
    expect(report).toContain('No sources were found');
    expect(report).not.toContain('## Sources');
    expect(report).not.toMatch(/\[\d+\]/);
  });

  it('rejects invalid input with a 422 RUNNABLE_INPUT_INVALID error', async () => {
    await expect(writer.invoke({ topic: '', sources: [] })).rejects.toMatchObject({ code: 'RUNNABLE_INPUT_INVALID', status: 422 });
    await expect(writer.invoke({ topic: 'x' } as never)).rejects.toMatchObject({ code: 'RUNNABLE_INPUT_INVALID' });
  });

  it('refuses a negative chunk delay at construction', () => {
    expect(() => new ReportWriter({ chunkDelayMs: -1 })).toThrow(TypeError);
  });
});

describe('revisions', () => {
  it('mentions a missing topic term named in a note, from a source sentence when one has it', async () => {
    const report = await writer.invoke({ ...input, notes: [coverNote('allow-list')] });
    expect(report).toContain('allow-list');
    // a note saved before the rename (`text`, not `message`: an old checkpoint) is still read
    const plain = await writer.invoke({ ...input, notes: [{ kind: 'cover', term: 'mtls', text: 'Cover the topic term "mtls".' }] });
    expect(plain).toContain('Mtls is part of the topic, but none of the sources discusses it directly');
  });

  it('expands to the requested minimum length', async () => {
    const first = await writer.invoke(input);
    const longer = await writer.invoke({
      ...input,
      revision: 1,
      notes: [expandNote(first.length + 200, first.length)],
    });
    expect(longer.length).toBeGreaterThanOrEqual(first.length + 200);
  });

  it('trims to the requested maximum length', async () => {
    const first = await writer.invoke(input);
    const shorter = await writer.invoke({
      ...input,
      revision: 1,
      notes: [shortenNote(first.length - 300, first.length)],
    });
    expect(shorter.length).toBeLessThanOrEqual(first.length - 300);
    for (let n = 1; n <= SOURCES.length; n++) expect(bodyOf(shorter)).toContain(`[${n}]`);
  });

  it("plans the revision from the notes' fields and keeps the text of the rest", () => {
    expect(
      revisionPlan([
        citeMissingNote(2, 'Delegation versus impersonation'),
        coverNote('mTLS'),
        shortenNote(6000, 7000),
        otherNote('Make the tone friendlier.'),
      ]),
    ).toEqual({ citeSources: [2], mentionTerms: ['mtls'], maxChars: 6000, other: ['Make the tone friendlier.'] });
  });

  it('acts on fields, never on wording: free text that reads like a rule changes nothing', async () => {
    const first = await writer.invoke(input);
    const sentence = `Expand the report to at least ${first.length + 2000} characters.`;
    expect(await writer.invoke({ ...input, revision: 1, notes: [otherNote(sentence)] })).toBe(first);
    // a plain string is free text too (kind 'other')
    expect(await writer.invoke({ ...input, revision: 1, notes: [sentence] })).toBe(first);
  });

  it('refuses a note that is not a review note, or whose text is over 2000 characters', async () => {
    await expect(writer.invoke({ ...input, notes: [{ kind: 'length', text: 'no bound' }] as never })).rejects.toMatchObject({
      code: 'RUNNABLE_INPUT_INVALID',
    });
    await expect(writer.invoke({ ...input, notes: ['x'.repeat(2001)] })).rejects.toMatchObject({ code: 'RUNNABLE_INPUT_INVALID' });
    await expect(writer.invoke({ ...input, notes: [otherNote('x'.repeat(2001))] })).rejects.toMatchObject({
      code: 'RUNNABLE_INPUT_INVALID',
    });
  });
});

describe('text helpers', () => {
  it('cuts text into clause-sized chunks that concatenate back exactly', () => {
    const text = '# Title\n\nOne, two; three four five six seven eight nine. Next [1].\n';
    const chunks = toChunks(text);
    expect(chunks.join('')).toBe(text);
    expect(chunks).toEqual(['# Title\n\n', 'One, ', 'two; ', 'three four five six seven eight ', 'nine. ', 'Next [1].\n']);
  });

  it('splits sentences and lowercases only ordinary first words', () => {
    expect(splitSentences('RFC 8693 is here. It works! Does it? yes')).toEqual(['RFC 8693 is here.', 'It works!', 'Does it? yes.']);
    expect(asClause('Token exchange works.')).toBe('token exchange works.');
    expect(asClause('OAuth 2.0 is a framework.')).toBe('OAuth 2.0 is a framework.');
    expect(asClause('Istio is a mesh.')).toBe('Istio is a mesh.');
  });
});

describe('LLM writer', () => {
  it('streams the model output, then appends the Sources list; invoke returns the same text', async () => {
    const model = new FakeListChatModel({
      responses: ['# Token exchange\n\nExchange tokens per agent [1], with an actor [2], per audience [3].'],
    });
    const llmWriter = new ReportWriter({ model, chunkDelayMs: 0 });
    expect(llmWriter.usesModel).toBe(true);
    const chunks = await collect(await llmWriter.stream(input));
    expect(chunks.length).toBeGreaterThan(5);
    const report = chunks.join('');
    expect(report).toMatch(/^# Token exchange\n\nExchange tokens per agent \[1\]/);
    expect(report).toContain('\n\n## Sources\n\n- [1] RFC 8693 token exchange — https://docs.baton.local/oauth/token-exchange');
    expect(await llmWriter.invoke(input)).toBe(report);
  });

  it('gives the model the numbered sources and the reviewer notes', async () => {
    const model = new FakeListChatModel({ responses: ['ok'] });
    const spy = jest.spyOn(model, 'stream');
    await new ReportWriter({ model }).invoke({ ...input, revision: 2, notes: [citeMissingNote(3, 'Audience restriction')] });
    const messages = spy.mock.calls[0]![0] as Array<{ content: unknown }>;
    const human = String(messages[1]!.content);
    expect(human).toContain('Topic: token exchange for agents');
    expect(human).toContain('[2] Delegation versus impersonation (https://docs.baton.local/oauth/delegation-vs-impersonation)');
    expect(human).toContain('This is revision 2.');
    expect(human).toContain('- Cite source [3] ("Audience restriction") at least once.');
    expect(String(messages[0]!.content)).toMatch(/\[n\]/);
  });
});
