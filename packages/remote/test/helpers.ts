import { Caller, accessTokenOf, tokenFingerprint, type Correlation, type TokenExchanger } from '@baton/identity';

/** The Caller `requireAuth` would make for `token`, with the given request correlation. */
export function caller(sub: string, token: string, correlation: Correlation = {}): Caller {
  return new Caller({
    token,
    principal: {
      sub,
      iss: 'https://issuer.test',
      aud: ['workflow'],
      scope: ['workflow:invoke'],
      exp: 4_102_444_800,
      token_fp: tokenFingerprint(token),
    },
    ...correlation,
  });
}

interface ExchangeCall {
  subjectToken: string;
  audience: string;
  scope?: string;
  traceparent?: string;
}

/** An exchanger that derives the exchanged token from the subject token, so tests can tell users apart. */
export function echoExchanger(): TokenExchanger & { calls: ExchangeCall[] } {
  const calls: ExchangeCall[] = [];
  return {
    calls,
    async exchangeFor(c, req) {
      const subjectToken = accessTokenOf(c)!;
      calls.push({ subjectToken, ...req });
      await new Promise((r) => setImmediate(r));
      return { accessToken: `exchanged.${req.audience}.${subjectToken}`, expiresAt: Date.now() + 60_000 };
    },
  };
}
