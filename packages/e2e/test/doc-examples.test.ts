// scripts/check-doc-examples.mjs (part of `pnpm lint`): every ```ts/```tsx block in the READMEs and
// docs/ is type-checked against the workspace packages. Here: the repository's blocks pass, and the
// checker catches a broken block (a wrong import, an unknown module, a type error), refuses a
// `no-check` without a reason, and accepts a block that is fixed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './stack.js';

const SCRIPT = path.join(ROOT, 'scripts/check-doc-examples.mjs');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-doc-examples-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(...files: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...files], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function markdown(name: string, ...blocks: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `# ${name}\n\nSome prose.\n\n${blocks.join('\n\nMore prose.\n\n')}\n`);
  return file;
}

const fence = (code: string, info = 'ts') => `\`\`\`${info}\n${code}\n\`\`\``;

it("type-checks every TypeScript block of the repository's READMEs and docs/", () => {
  const r = check();
  expect(r.out).toMatch(/check-doc-examples: \d+ TypeScript blocks in \d+ Markdown files type-check/);
  expect(r.status).toBe(0);
});

// One checker run over four Markdown files (each tsc run loads the packages' types: seconds).
let fixtures: { status: number | null; out: string };
const files: Record<string, string> = {};
const problemsOf = (name: string) => fixtures.out.split('\n').filter((l) => l.startsWith(`${path.relative(ROOT, files[name]!)}:`));

beforeAll(() => {
  files.wrong = markdown(
    'WRONG-IMPORT.md',
    fence("import { BatonError } from '@baton/errors';\nvoid BatonError;"),
    fence("import { errorHandler } from '@baton/auth/express';\nvoid errorHandler;"),
  );
  files.broken = markdown(
    'BROKEN.md',
    fence("import { nothing } from '@baton/no-such-package';\nvoid nothing;"),
    fence("import { BatonError } from '@baton/errors';\nconst n: number = new BatonError('AUTH_TOKEN_MISSING', 'x');", 'tsx'),
  );
  files.optOut = markdown(
    'OPT-OUT.md',
    fence('this is { not typescript', 'ts no-check'),
    fence('this is { not typescript either', 'ts no-check an outline, not code'),
    fence('const x = 1;', 'ts nocheck'),
  );
  files.fixed = markdown(
    'FIXED.md',
    fence(
      "import { requireAuth } from '@baton/auth/express';\nimport { errorHandler } from '@baton/errors/express';\nvoid requireAuth;\nvoid errorHandler;",
    ),
    fence('not code', 'ts no-check prose'),
    `- a list item:\n\n  ${fence("import { spiffeId } from '@baton/contract';\nconst id: string = spiffeId('workflow');\nvoid id;").replaceAll('\n', '\n  ')}`,
  );
  fixtures = check(...Object.values(files));
});

it('exits 1 and counts every problem', () => {
  expect(fixtures.status).toBe(1);
  expect(fixtures.out).toMatch(/check-doc-examples: 5 problem\(s\) in the TypeScript blocks of 4 Markdown files/);
});

it('names the file, line and error of a block that imports what a package does not export', () => {
  // heading(1) blank prose blank fence(5) code(6,7) fence(8) blank prose blank fence(12) import(13)
  expect(problemsOf('wrong')).toEqual([
    `${path.relative(ROOT, files.wrong!)}:13:10: TS2305 Module '"@baton/auth/express"' has no exported member 'errorHandler'.`,
  ]);
});

it('fails a block whose import does not resolve, and one that does not type-check (tsx too)', () => {
  const codes = problemsOf('broken').map((l) => /: (TS\d+) /.exec(l)?.[1]);
  expect(codes).toEqual(['TS2307', 'TS2322']);
});

it('refuses `no-check` without a reason, skips one with a reason, refuses unknown attributes', () => {
  const lines = problemsOf('optOut');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toContain('`no-check` needs a reason');
  expect(lines[1]).toContain('unknown fence attribute "nocheck"');
});

it('passes the same examples once they are fixed (an indented block in a list item included)', () => {
  expect(problemsOf('fixed')).toEqual([]);
});
