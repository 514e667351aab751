import * as crypto from 'node:crypto';

const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'base64url') => string }).hash;

/** sha256 of `text`, base64url. One-shot `crypto.hash` where the runtime has it (Node >= 20.12). */
export function sha256(text: string): string {
  return oneShot ? oneShot('sha256', text, 'base64url') : crypto.createHash('sha256').update(text).digest('base64url');
}
