/**
 * Term handling shared by the agents: the writer's sentence selection, the reviewer's coverage
 * check (lowercase words, stop-words dropped, a light plural fold: "agents" -> "agent",
 * "policies" -> "policy") and the research agent's search index (stop-words only, no fold).
 */

const COMMON_STOP_WORDS =
  'a about above after again against all also am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our out over own same she should so some such than that the their them then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your use using used via vs versus';

/** English function words dropped by `significantTerms` / `significantWords`. */
export const TERM_STOP_WORDS: ReadonlySet<string> = new Set(COMMON_STOP_WORDS.split(' '));

/**
 * English function words ignored when indexing and searching: `TERM_STOP_WORDS` plus the
 * reflexive and possessive pronouns and the contractions "what's" / "how's".
 */
export const SEARCH_STOP_WORDS: ReadonlySet<string> = new Set([
  ...TERM_STOP_WORDS,
  ..."herself himself myself ours ourselves theirs themselves yours yourself yourselves what's how's".split(' '),
]);

/** Normal form of one word for matching. */
export function normalizeTerm(word: string): string {
  const w = word.toLowerCase();
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && /(?:sh|ch|x|ss)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

/** All words of a text (letters, digits, inner `-`/`.`/`:`), in order, not normalized. */
export function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:[-.:'][\p{L}\p{N}]+)*/gu) ?? [];
}

/** The significant terms of a text: normalized, stop-words and 1-letter words removed, unique, in order. */
export function significantTerms(text: string): string[] {
  return significantWords(text).map((w) => w.term);
}

/** Like `significantTerms`, with each term's first spelling in the text (lowercased) as `word`. */
export function significantWords(text: string): Array<{ term: string; word: string }> {
  const seen = new Map<string, string>();
  for (const w of words(text)) {
    const lower = w.toLowerCase();
    if (lower.length < 2 || TERM_STOP_WORDS.has(lower)) continue;
    const term = normalizeTerm(lower);
    if (!seen.has(term)) seen.set(term, lower);
  }
  return [...seen].map(([term, word]) => ({ term, word }));
}

/** The normalized word set of a text, for `has(term)` checks. */
export function termSet(text: string): Set<string> {
  return new Set(words(text).map((w) => normalizeTerm(w)));
}
