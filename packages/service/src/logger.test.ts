import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { destination, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA';

describe('createLogger', () => {
  it('writes JSON lines with the service name', () => {
    const c = capture();
    createLogger({ service: 'svc', destination: c.destination }).info({ a: 1 }, 'hello');
    const [line] = c.json();
    expect(line).toMatchObject({ service: 'svc', level: 'info', msg: 'hello', a: 1 });
  });

  it('never writes a token from an authorization header, cookie or token-named field', () => {
    const c = capture();
    const log = createLogger({ service: 'svc', destination: c.destination });
    log.info({ req: { headers: { authorization: `Bearer ${TOKEN}`, cookie: `sid=${TOKEN}` } } }, 'req');
    log.info({ token: TOKEN, body: { access_token: TOKEN, subject_token: TOKEN, client_secret: TOKEN, password: TOKEN } }, 'fields');
    log.info({ upstream: { authorization: `Bearer ${TOKEN}`, token: TOKEN } }, 'nested');
    log.child({ ctx: { token: TOKEN } }).info('child');
    expect(c.lines).toHaveLength(4);
    for (const line of c.lines) expect(line).not.toContain(TOKEN);
    const [req, fields] = c.json();
    expect(req!.req.headers.authorization).toBe('[redacted]');
    expect(fields!.token).toBe('[redacted]');
    expect(fields!.body.access_token).toBe('[redacted]');
  });

  it('respects the level', () => {
    const c = capture();
    const log = createLogger({ service: 'svc', level: 'warn', destination: c.destination });
    log.info('hidden');
    log.warn('shown');
    expect(c.json().map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('createLogger time', () => {
  it('writes one ISO time key, and a line that brings its own time keeps its value', () => {
    const lines: string[] = [];
    const destination = { write: (s: string) => lines.push(s) };
    const logger = createLogger({ service: 'svc', destination });
    logger.info({ a: 1 }, 'x');
    logger.info({ time: '2000-01-01T00:00:00.000Z' }, 'y');
    expect(lines[0]!.match(/"time":/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!).time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(lines[1]!.match(/"time":/g)).toHaveLength(1);
    expect(JSON.parse(lines[1]!).time).toBe('2000-01-01T00:00:00.000Z');
  });
});
