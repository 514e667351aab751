import { createResearchRunnable } from './research.js';
import { corpus } from './corpus.js';
import { createPassageIndex } from './search-index.js';
import { toPassages } from './passages.js';

const research = createResearchRunnable();

describe('corpus', () => {
  it('ships 25-40 articles with unique ids, fictional docs.baton.local urls and several paragraphs', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(25);
    expect(corpus.length).toBeLessThanOrEqual(40);
    expect(new Set(corpus.map((a) => a.id)).size).toBe(corpus.length);
    for (const a of corpus) {
      expect(a.url).toMatch(/^https:\/\/docs\.baton\.local\//);
      expect(toPassages([a]).length).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('research runnable', () => {
  it('returns the token exchange article first for "token exchange", with its best passage', async () => {
    const out = await research.invoke({ topic: 'token exchange' });
    expect(out.topic).toBe('token exchange');
    expect(out.sources[0]).toMatchObject({
      id: 'token-exchange',
      title: 'RFC 8693 token exchange',
      url: 'https://docs.baton.local/oauth/token-exchange',
      score: 1,
    });
    expect(out.sources[0]!.excerpt).toMatch(/exchange/i);
  });

  it('defaults to 5 sources and honours limit', async () => {
    expect((await research.invoke({ topic: 'token' })).sources).toHaveLength(5);
    expect((await research.invoke({ topic: 'token', limit: 2 })).sources).toHaveLength(2);
  });

  it('returns sources most relevant first with scores in (0, 1]', async () => {
    const { sources } = await research.invoke({ topic: 'mutual TLS certificates', limit: 10 });
    expect(sources[0]!.id).toBe('mtls');
    for (let i = 1; i < sources.length; i++) expect(sources[i]!.score).toBeLessThanOrEqual(sources[i - 1]!.score);
    for (const s of sources) {
      expect(s.score).toBeGreaterThan(0);
      expect(s.score).toBeLessThanOrEqual(1);
    }
  });

  it('returns one passage per article, never two from the same article', async () => {
    const { sources } = await research.invoke({ topic: 'jwt token audience scope', limit: 10 });
    expect(new Set(sources.map((s) => s.id)).size).toBe(sources.length);
  });

  it('finds articles by prefix and by a misspelling', async () => {
    expect((await research.invoke({ topic: 'checkpoin' })).sources.map((s) => s.id)).toContain('langgraph-checkpoints');
    expect((await research.invoke({ topic: 'langgrahp checkpoints' })).sources[0]!.id).toBe('langgraph-checkpoints');
  });

  it('picks the passage that matches, not the first paragraph', async () => {
    const { sources } = await research.invoke({ topic: 'JWKS unreachable outage', limit: 1 });
    expect(sources[0]!.id).toBe('jwks-rotation');
    expect(sources[0]!.excerpt).toMatch(/unreachable/);
  });

  it('is deterministic: the same input gives the same output', async () => {
    const a = await research.invoke({ topic: 'agents streaming', limit: 10 });
    const b = await createResearchRunnable().invoke({ topic: 'agents streaming', limit: 10 });
    expect(b).toEqual(a);
  });

  it('breaks score ties by article id', () => {
    const twin = (id: string) => ({ id, title: 'Twin', url: `https://docs.baton.local/${id}`, body: 'Identical passage about zebras.' });
    const index = createPassageIndex([twin('b-doc'), twin('a-doc'), twin('c-doc')]);
    expect(index.searchArticles('zebras', 3).map((h) => h.passage.docId)).toEqual(['a-doc', 'b-doc', 'c-doc']);
  });

  it('returns an empty list when nothing matches (a valid result)', async () => {
    await expect(research.invoke({ topic: 'qqqqxyzzy' })).resolves.toEqual({ topic: 'qqqqxyzzy', sources: [] });
    await expect(research.invoke({ topic: 'the of and' })).resolves.toEqual({ topic: 'the of and', sources: [] });
  });

  it('rejects invalid input with a 422 RUNNABLE_INPUT_INVALID error', async () => {
    await expect(research.invoke({ topic: '' })).rejects.toMatchObject({ code: 'RUNNABLE_INPUT_INVALID', status: 422 });
    await expect(research.invoke({ topic: 'x', limit: 11 })).rejects.toMatchObject({ code: 'RUNNABLE_INPUT_INVALID', status: 422 });
  });
});
