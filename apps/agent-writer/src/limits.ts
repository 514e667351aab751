import { BatonError } from '@baton/errors';
import type { ParsedWriterInput } from '@baton/contract/wire';
import { WRITER_ERRORS } from './error-codes.js';

/**
 * Size caps the offline writer enforces on top of the input schema, sized to what it needs:
 * the research agent returns at most 10 sources, each one paragraph (a few hundred characters).
 * Without them a 1 MB excerpt (the body limit) cost over a second of CPU per request, all of it
 * blocking the process. They belong in the input schema (the shared contract); until they move
 * there they are checked here, after the schema.
 */
export const WRITER_LIMITS = Object.freeze({
  /** Characters of one source's excerpt. */
  excerptChars: 20_000,
  /** Characters of all excerpts together. */
  totalExcerptChars: 100_000,
  /** Characters of a source title (repeated in the lead-ins and the Sources list). */
  titleChars: 500,
  /** Characters of a source URL. */
  urlChars: 2_048,
});

/** Throws 413 `WRITER_INPUT_TOO_LARGE` naming the field when the input is over a cap. */
export function checkInputSize(input: ParsedWriterInput, limits: typeof WRITER_LIMITS = WRITER_LIMITS): void {
  let total = 0;
  input.sources.forEach((s, i) => {
    if (s.excerpt.length > limits.excerptChars) tooLarge(`sources.${i}.excerpt`, limits.excerptChars);
    if (s.title.length > limits.titleChars) tooLarge(`sources.${i}.title`, limits.titleChars);
    if (s.url.length > limits.urlChars) tooLarge(`sources.${i}.url`, limits.urlChars);
    total += s.excerpt.length;
  });
  if (total > limits.totalExcerptChars) tooLarge('sources', limits.totalExcerptChars, 'excerpts together');
}

function tooLarge(path: string, max: number, what = 'characters'): never {
  const unit = what === 'characters' ? 'characters' : `characters of ${what}`;
  throw new BatonError(WRITER_ERRORS.WRITER_INPUT_TOO_LARGE, `Writer input too large: ${path} is over ${max} ${unit}`, {
    detail: [{ path, max }],
  });
}
