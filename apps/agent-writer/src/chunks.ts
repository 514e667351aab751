/**
 * Cut text into small streaming pieces: a clause or a few words each, breaking after
 * punctuation or a line break, at most `maxWords` words. Concatenating the pieces gives the
 * text back exactly.
 */
export function toChunks(text: string, maxWords = 6): string[] {
  const chunks: string[] = [];
  const lead = /^\s+/.exec(text)?.[0] ?? '';
  let current = lead;
  let count = 0;
  for (const m of text.slice(lead.length).matchAll(/\S+\s*/g)) {
    const piece = m[0];
    current += piece;
    count++;
    if (/[.,;:!?]["')\]*]*\s*$/.test(piece) || /\n/.test(piece) || count >= maxWords) {
      chunks.push(current);
      current = '';
      count = 0;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
