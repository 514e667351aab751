import type { Article } from './corpus.js';

/** One paragraph of an article: the unit the research agent indexes and returns. */
export interface Passage {
  /** `${docId}#${index}` */
  readonly pid: string;
  readonly docId: string;
  readonly title: string;
  readonly url: string;
  /** 0-based paragraph index within the article. */
  readonly index: number;
  readonly text: string;
}

/** Split each article's body on blank lines into passages, whitespace collapsed. */
export function toPassages(articles: readonly Article[]): Passage[] {
  const out: Passage[] = [];
  for (const a of articles) {
    const paragraphs = a.body
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .filter((p) => p.length > 0);
    paragraphs.forEach((text, index) => {
      out.push({ pid: `${a.id}#${index}`, docId: a.id, title: a.title, url: a.url, index, text });
    });
  }
  return out;
}
