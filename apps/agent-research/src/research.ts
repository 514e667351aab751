import { RunnableLambda, type Runnable } from '@langchain/core/runnables';
import { BatonError } from '@baton/errors';
import { corpus as defaultCorpus, type Article } from './corpus.js';
import { researchInputSchema, type ResearchInput, type ResearchOutput } from '@baton/contract/wire';
import { createPassageIndex } from './search-index.js';

export interface ResearchOptions {
  /** Articles to search (default: the bundled corpus). */
  corpus?: readonly Article[];
}

/**
 * The research agent: `{topic, limit?}` -> `{topic, sources}`. Searches the corpus's passages
 * and returns, per article, its best passage as `excerpt`, most relevant first. Deterministic.
 * The index is built once, when the runnable is created.
 */
export function createResearchRunnable(options: ResearchOptions = {}): Runnable<ResearchInput, ResearchOutput> {
  const index = createPassageIndex(options.corpus ?? defaultCorpus);
  const runnable = RunnableLambda.from((raw: ResearchInput): ResearchOutput => {
    const parsed = researchInputSchema.safeParse(raw);
    if (!parsed.success) {
      throw new BatonError('RUNNABLE_INPUT_INVALID', 'Invalid research input', {
        detail: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const { topic, limit } = parsed.data;
    const hits = index.searchArticles(topic, limit);
    const top = hits[0]?.score ?? 0;
    return {
      topic,
      sources: hits.map(({ passage, score }) => ({
        id: passage.docId,
        title: passage.title,
        url: passage.url,
        excerpt: passage.text,
        score: top > 0 ? Math.round((score / top) * 1000) / 1000 : 0,
      })),
    };
  });
  runnable.name = 'research';
  return runnable;
}
