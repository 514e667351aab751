import MiniSearch from 'minisearch';
import { SEARCH_STOP_WORDS } from '@baton/agent-kit/text';
import type { Article } from './corpus.js';
import { toPassages, type Passage } from './passages.js';

/** A passage found for a query, with its MiniSearch relevance score. */
export interface PassageHit {
  readonly passage: Passage;
  readonly score: number;
}

export interface PassageIndex {
  /** Best passage per article, most relevant article first (ties broken by article id). */
  searchArticles(query: string, limit: number): PassageHit[];
  readonly size: number;
}

const TITLE_BOOST = 2.5;

function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  if (t.length < 2 || SEARCH_STOP_WORDS.has(t)) return null;
  return t;
}

/**
 * Build a full-text index over the articles' passages (title + paragraph text): prefix
 * matching for terms of 3+ characters, fuzzy matching (edit distance 20% of the term) for
 * terms of 5+ characters, title matches boosted.
 */
export function createPassageIndex(articles: readonly Article[]): PassageIndex {
  const passages = toPassages(articles);
  const byPid = new Map(passages.map((p) => [p.pid, p]));
  const ms = new MiniSearch<Passage>({
    idField: 'pid',
    fields: ['title', 'text'],
    processTerm,
    searchOptions: {
      boost: { title: TITLE_BOOST },
      prefix: (term) => term.length >= 3,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      combineWith: 'OR',
      processTerm,
    },
  });
  ms.addAll(passages);

  return {
    size: passages.length,
    searchArticles(query, limit) {
      const best = new Map<string, PassageHit>();
      for (const r of ms.search(query)) {
        const passage = byPid.get(String(r.id));
        if (!passage) continue;
        const prev = best.get(passage.docId);
        if (!prev || r.score > prev.score || (r.score === prev.score && passage.index < prev.passage.index)) {
          best.set(passage.docId, { passage, score: r.score });
        }
      }
      return [...best.values()].sort((a, b) => b.score - a.score || compare(a.passage.docId, b.passage.docId)).slice(0, limit);
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
