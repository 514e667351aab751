/** Split prose into sentences (a terminal `.`, `!` or `?` followed by space and a capital, digit or quote). */
export function splitSentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(?<=[.!?])\s+(?=["'([]?[A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/[.!?]["')\]]?$/.test(s) ? s : `${s}.`));
}

const KEEP_CAPITALISED = new Set([
  'Istio',
  'Linkerd',
  'Postgres',
  'Python',
  'Keycloak',
  'Okta',
  'Express',
  'Node',
  'Docker',
  'Kubernetes',
  'I',
]);

/**
 * Make a sentence continue another clause ("... explains that <sentence>"): lowercase its
 * first word unless it looks like a name or acronym (OAuth, JWT, LangGraph, Istio).
 */
export function asClause(sentence: string): string {
  const first = /^[A-Za-z]+/.exec(sentence)?.[0];
  if (first === undefined) return sentence;
  const rest = sentence.slice(first.length);
  if (!/^[A-Z][a-z]+$/.test(first) || KEEP_CAPITALISED.has(first)) return sentence;
  return first.toLowerCase() + rest;
}

/**
 * Drop the sentence's final punctuation (to append a citation or continue it). A loop from the
 * end, not `/[.!?]+$/`: that regex retries at every start of a long run of dots (quadratic).
 */
export function withoutFinalStop(sentence: string): string {
  let end = sentence.length;
  while (end > 0 && '.!?'.includes(sentence[end - 1]!)) end--;
  return sentence.slice(0, end);
}
