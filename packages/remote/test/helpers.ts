import { attachAccessToken, tokenFingerprint, type Principal } from '@baton/auth';
import type { TokenExchanger } from '../src/index.js';

export function principal(sub: string, token: string): Principal {
  return attachAccessToken(
    {
      sub,
      iss: 'https://issuer.test',
      aud: ['workflow'],
      scope: ['workflow:invoke'],
      exp: 4_102_444_800,
      token_fp: tokenFingerprint(token),
    },
    token,
  );
}

/** An exchanger that derives the exchanged token from the subject token, so tests can tell users apart. */
export function echoExchanger(): TokenExchanger & { calls: Array<{ subjectToken: string; audience: string; scope?: string }> } {
  const calls: Array<{ subjectToken: string; audience: string; scope?: string }> = [];
  return {
    calls,
    async exchange(req) {
      calls.push(req);
      await new Promise((r) => setImmediate(r));
      return { accessToken: `exchanged.${req.audience}.${req.subjectToken}`, expiresAt: Date.now() + 60_000 };
    },
  };
}
