import { BatonError, ERROR_CODES, ERROR_DOMAINS, codesOf, isErrorCode, statusOf, type CoreErrorCode } from './index.js';

const codes = Object.keys(ERROR_CODES) as CoreErrorCode[];

describe('ERROR_CODES', () => {
  it.each(codes)('%s is UPPER_SNAKE with a known domain prefix and a valid status', (code) => {
    expect(code).toMatch(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/);
    expect(ERROR_DOMAINS).toContain(code.slice(0, code.indexOf('_')));
    const { status, meaning } = ERROR_CODES[code];
    expect(Number.isInteger(status) && status >= 400 && status <= 599).toBe(true);
    expect(meaning.trim()).not.toBe('');
    expect(meaning).not.toContain('|'); // a README table cell
  });

  it('gives every domain at least one code and every code exactly one domain', () => {
    for (const domain of ERROR_DOMAINS) expect(codesOf(domain).length).toBeGreaterThan(0);
    expect(ERROR_DOMAINS.flatMap((d) => codesOf(d)).sort()).toEqual([...codes].sort());
  });

  it('only registered codes are codes, and BatonError takes its status from the registry', () => {
    expect(isErrorCode('AUTH_TOKEN_EXPIRED')).toBe(true);
    for (const free of ['NOT_FOUND', 'INTERNAL', 'UNKNOWN', 'TLS_CERT_FILE', 'toString', '__proto__'])
      expect(isErrorCode(free)).toBe(false);
    for (const code of codes) expect(new BatonError(code, 'm').status).toBe(statusOf(code));
    // @ts-expect-error an unregistered code does not type-check (untyped JavaScript gets a 500)
    expect(new BatonError('NOT_FOUND', 'm').status).toBe(500);
    // @ts-expect-error nor does a misspelt one
    expect(isErrorCode(new BatonError('AUTH_TOKEN_EXPIRD', 'm').code)).toBe(false);
  });

  it('keeps an explicit status only for codes marked variable', () => {
    const variable = codes.filter((c) => (ERROR_CODES[c] as { variable?: true }).variable === true);
    expect(variable).toEqual(['AUTH_EXCHANGE_DENIED', 'REQUEST_INVALID']);
  });
});
