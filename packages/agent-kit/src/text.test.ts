import { normalizeTerm, SEARCH_STOP_WORDS, significantTerms, significantWords, TERM_STOP_WORDS, termSet, words } from './text.js';

describe('normalizeTerm', () => {
  it('folds simple English plurals and lowercases', () => {
    expect(normalizeTerm('Agents')).toBe('agent');
    expect(normalizeTerm('policies')).toBe('policy');
    expect(normalizeTerm('meshes')).toBe('mesh');
    expect(normalizeTerm('matches')).toBe('match');
    expect(normalizeTerm('boxes')).toBe('box');
    expect(normalizeTerm('classes')).toBe('class');
  });

  it('leaves short words and -ss / -us endings alone', () => {
    expect(normalizeTerm('its')).toBe('its');
    expect(normalizeTerm('ties')).toBe('tie');
    expect(normalizeTerm('class')).toBe('class');
    expect(normalizeTerm('status')).toBe('status');
  });
});

describe('words', () => {
  it('keeps inner hyphens, dots, colons and apostrophes and drops other punctuation', () => {
    expect(words("Token-exchange (RFC 8693): v1.2, what's a:b? -x")).toEqual([
      'Token-exchange',
      'RFC',
      '8693',
      'v1.2',
      "what's",
      'a:b',
      'x',
    ]);
  });

  it('returns an empty list for text without words', () => {
    expect(words(' -- !! ')).toEqual([]);
  });
});

describe('significant terms', () => {
  it('drops stop-words and one-letter words, folds plurals, keeps the first of each term in order', () => {
    expect(significantTerms('The agents and an agent use policies, a policy, X and tokens')).toEqual(['agent', 'policy', 'token']);
  });

  it('pairs each term with its first spelling, lowercased', () => {
    expect(significantWords('Meshes of Agents; one mesh')).toEqual([
      { term: 'mesh', word: 'meshes' },
      { term: 'agent', word: 'agents' },
      { term: 'one', word: 'one' },
    ]);
  });

  it('keeps reflexive pronouns, which only the search index ignores', () => {
    expect(significantTerms('yourself themselves')).toEqual(['yourself', 'themselve']);
  });

  it('builds a normalized word set including stop-words', () => {
    const set = termSet('The Agents delegate policies');
    expect([...set]).toEqual(['the', 'agent', 'delegate', 'policy']);
  });
});

describe('stop-word lists', () => {
  it('search stop-words are the term stop-words plus pronouns and contractions', () => {
    for (const w of TERM_STOP_WORDS) expect(SEARCH_STOP_WORDS.has(w)).toBe(true);
    expect([...SEARCH_STOP_WORDS].filter((w) => !TERM_STOP_WORDS.has(w)).sort()).toEqual([
      'herself',
      'himself',
      "how's",
      'myself',
      'ours',
      'ourselves',
      'theirs',
      'themselves',
      "what's",
      'yours',
      'yourself',
      'yourselves',
    ]);
    expect(TERM_STOP_WORDS.size).toBe(123);
  });

  it('contain no empty string', () => {
    expect(TERM_STOP_WORDS.has('')).toBe(false);
    expect(SEARCH_STOP_WORDS.has('')).toBe(false);
  });
});
