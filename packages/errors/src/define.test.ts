import express from 'express';
import request from 'supertest';
import {
  BatonError,
  ERROR_CODES,
  defineErrorCodes,
  errorCodeEntries,
  isBatonError,
  isErrorCode,
  renderErrorCodeTables,
  statusOf,
  type ErrorCode,
} from './index.js';
import { errorHandler } from './express.js';

// A team's own agent declares its codes where it lives, without editing @baton/errors.
const SUMMARIZER = defineErrorCodes(
  {
    SUMMARIZER_INPUT_TOO_LONG: { status: 413, meaning: 'The text to summarise is over the limit' },
    SUMMARIZER_MODEL_BUSY: { status: 503, meaning: 'The model is busy' },
  },
  { owner: 'summarizer' },
);

function appThrowing(err: () => unknown, codes = [SUMMARIZER]) {
  const app = express();
  app.get('/x', () => {
    throw err();
  });
  app.use(errorHandler({ codes }));
  return app;
}

describe('defineErrorCodes', () => {
  it('returns the codes, typed, registered with their status beside the core ones', () => {
    expect(SUMMARIZER.SUMMARIZER_INPUT_TOO_LONG).toBe('SUMMARIZER_INPUT_TOO_LONG');
    expect(isErrorCode('SUMMARIZER_INPUT_TOO_LONG')).toBe(true);
    expect(statusOf(SUMMARIZER.SUMMARIZER_MODEL_BUSY)).toBe(503);
    const e = new BatonError(SUMMARIZER.SUMMARIZER_INPUT_TOO_LONG, 'too long');
    expect({ code: e.code, status: e.status, expose: e.expose, brand: isBatonError(e) }).toEqual({
      code: 'SUMMARIZER_INPUT_TOO_LONG',
      status: 413,
      expose: true,
      brand: true,
    });
    expect(errorCodeEntries(SUMMARIZER).map((x) => x.owner)).toEqual(['summarizer', 'summarizer']);
    expect(Object.keys(ERROR_CODES)).not.toContain('SUMMARIZER_INPUT_TOO_LONG');
  });

  it('keeps BatonError typed: a code nobody defined does not type-check', () => {
    // @ts-expect-error a plain string is not a code until it is defined
    const undefinedCode: ErrorCode = 'SUMMARIZER_NOT_DEFINED';
    expect(isErrorCode(undefinedCode)).toBe(false);
    // @ts-expect-error a misspelt property of a set does not exist
    expect(SUMMARIZER.SUMMARIZER_INPUT_TOO_LONGG).toBeUndefined();
  });

  it('refuses a core code, a core domain, a bad shape or status, and a second entry for a code (TypeError)', () => {
    const bad: Array<[string, { status: number; meaning: string }]> = [
      ['AUTH_TOKEN_EXPIRED', { status: 401, meaning: 'x' }],
      ['AUTH_SOMETHING_NEW', { status: 401, meaning: 'x' }],
      ['summarizer_lower', { status: 400, meaning: 'x' }],
      ['NODOMAIN', { status: 400, meaning: 'x' }],
      ['SUMMARIZER_OK_STATUS', { status: 200, meaning: 'x' }],
      ['SUMMARIZER_PIPE', { status: 400, meaning: 'a | b' }],
      ['SUMMARIZER_INPUT_TOO_LONG', { status: 400, meaning: 'another entry' }],
    ];
    for (const [code, entry] of bad) expect(() => defineErrorCodes({ [code]: entry }, { owner: 'summarizer' })).toThrow(TypeError);
    // The same entry again (a module loaded by two copies of a package) is the same code.
    const again = defineErrorCodes({ SUMMARIZER_MODEL_BUSY: { status: 503, meaning: 'The model is busy' } }, { owner: 'summarizer' });
    expect(again.SUMMARIZER_MODEL_BUSY).toBe(SUMMARIZER.SUMMARIZER_MODEL_BUSY);
  });

  it('renders the documentation table as the union: the core codes, then each set under its owner', () => {
    const md = renderErrorCodeTables([SUMMARIZER]);
    expect(md).toContain('## @baton/errors');
    expect(md).toContain('| `AUTH_TOKEN_EXPIRED` | 401 | The token has expired |');
    expect(md.indexOf('## summarizer')).toBeGreaterThan(md.indexOf('`SERVER_INTERNAL`'));
    expect(md).toContain('| `SUMMARIZER_INPUT_TOO_LONG` | 413 | The text to summarise is over the limit |');
  });
});

describe('errorHandler with a team-defined code', () => {
  it('answers a BatonError with a defined code with its registered status and code', async () => {
    const res = await request(appThrowing(() => new BatonError(SUMMARIZER.SUMMARIZER_INPUT_TOO_LONG, 'text is over 10000 characters'))).get(
      '/x',
    );
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: 'SUMMARIZER_INPUT_TOO_LONG', message: 'text is over 10000 characters' } });
  });

  it('recognises a declared code by the code on a plain error (no class, no brand), scrubbing its message', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const plain = () => Object.assign(new Error(`too long near ${jwt}`), { code: 'SUMMARIZER_INPUT_TOO_LONG' });
    const res = await request(appThrowing(plain)).get('/x');
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('SUMMARIZER_INPUT_TOO_LONG');
    expect(JSON.stringify(res.body)).not.toContain('c2lnbmF0dXJl');
    // A 5xx declared code keeps its status but says nothing internal.
    const busy = await request(
      appThrowing(() => Object.assign(new Error('pool 10.0.0.7 exhausted'), { code: 'SUMMARIZER_MODEL_BUSY' })),
    ).get('/x');
    expect(busy.status).toBe(503);
    expect(busy.body).toEqual({ error: { code: 'SUMMARIZER_MODEL_BUSY', message: 'Internal error' } });
  });

  it('does not trust a code the service did not declare: a plain error with it is a 500 SERVER_INTERNAL', async () => {
    const plain = () => Object.assign(new Error('too long'), { code: 'SUMMARIZER_INPUT_TOO_LONG' });
    const res = await request(appThrowing(plain, [])).get('/x');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'SERVER_INTERNAL', message: 'Internal error' } });
  });
});
