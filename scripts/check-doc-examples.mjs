#!/usr/bin/env node
// Part of `pnpm lint`: every TypeScript code block (```ts, ```tsx, ```typescript) in the README.md
// files and docs/ is type-checked, so the examples a team copies compile against the packages as
// they are. Usage: node scripts/check-doc-examples.mjs [file.md ...] (default: every README.md
// outside node_modules/dist, and every .md under docs/).
//
// - Each block is one ES module, written to `node_modules/.cache/doc-examples/` of its host package
//   (the nearest workspace package above the Markdown file; for the root README, docs/ and files
//   outside any package, apps/workflow, which depends on what a team's app would use). So a
//   block's imports are resolved like the host's own code: `@baton/*` from the workspace sources
//   (tsconfig `paths` built from every workspace package's `exports`), everything else from the
//   host's dependencies. An import that does not resolve is an error, like any other.
// - A block is self-contained: names it uses but does not import are declared in it
//   (`declare const logger: Logger;`).
// - A block opts out only with a marker and a reason on its fence: ```ts no-check <why>
//   (a shape written as pseudo-code, a fragment of a larger file). No reason: an error.
// Prints `file:line:col: TSnnnn message` for each problem and exits 1.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(path.join(root, 'package.json'))('typescript');
const LANGS = new Set(['ts', 'tsx', 'typescript']);
const DOCS_HOST = path.join(root, 'apps', 'workflow');
const CACHE = path.join('node_modules', '.cache', 'doc-examples');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage', '.data']);

/** Every README.md in the repository and every .md under docs/. */
function defaultFiles() {
  const out = [];
  const walk = (dir, all) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(path.join(dir, e.name), all || (dir === root && e.name === 'docs'));
      } else if (e.name.endsWith('.md') && (all || e.name === 'README.md')) out.push(path.join(dir, e.name));
    }
  };
  walk(root, false);
  return out.sort();
}

/**
 * The code blocks of one Markdown text: { lang, attrs, line (1-based, of the first code line),
 * indent, code }. Fences may be indented (inside list items); their indentation is removed.
 */
export function extractBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j].trim().startsWith(fence) && lines[j].trim().replaceAll(fence[0], '') === ''))
      body.push(lines[j++]);
    const strip = (l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    blocks.push({ lang: lang.toLowerCase(), attrs: rest.trim(), line: i + 2, code: body.map(strip).join('\n') });
    i = j;
  }
  return blocks;
}

/** The nearest workspace package directory above `file` (the doc host), else the docs host. */
function hostOf(file) {
  let dir = path.dirname(path.resolve(file));
  while (dir.startsWith(root + path.sep) && dir !== root) {
    if (existsSync(path.join(dir, 'package.json')) && !dir.includes(`${path.sep}node_modules${path.sep}`)) return dir;
    dir = path.dirname(dir);
  }
  return DOCS_HOST;
}

/** tsconfig `paths` for every workspace package's export: its types, mapped back to src/ when it exists. */
function workspacePaths() {
  const paths = {};
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(path.join(root, group))) {
      const dir = path.join(root, group, name);
      if (!existsSync(path.join(dir, 'package.json'))) continue;
      const m = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (!m.exports || typeof m.exports !== 'object') continue;
      for (const [sub, target] of Object.entries(m.exports)) {
        const types = typeof target === 'string' ? target : (target?.types ?? target?.import ?? target?.default);
        if (typeof types !== 'string' || sub.includes('*')) continue;
        const src = types
          .replace(/^\.\/dist\//, './src/')
          .replace(/\.d\.ts$/, '.ts')
          .replace(/\.js$/, '.ts');
        const file = existsSync(path.join(dir, src)) ? src : types;
        paths[sub === '.' ? m.name : `${m.name}/${sub.slice(2)}`] = [path.join(dir, file)];
      }
    }
  }
  return paths;
}

function compilerOptions() {
  const base = JSON.parse(readFileSync(path.join(root, 'packages', 'tsconfig', 'base.json'), 'utf8'));
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      ...base.compilerOptions,
      types: ['node'],
      noEmit: true,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      jsx: 'preserve',
    },
    root,
  );
  if (errors.length) throw new Error(ts.flattenDiagnosticMessageText(errors[0].messageText, '\n'));
  return { ...options, paths: workspacePaths(), noUnusedLocals: false };
}

/** Writes the checked blocks out; returns the problems found before compiling and the file map. */
function writeBlocks(files) {
  const problems = [];
  const written = new Map(); // temp file -> { md, line }
  const counters = new Map();
  for (const md of files) {
    const blocks = extractBlocks(readFileSync(md, 'utf8')).filter((b) => LANGS.has(b.lang));
    for (const b of blocks) {
      const rel = path.relative(root, md);
      if (/^no-check\b/.test(b.attrs)) {
        if (b.attrs.replace(/^no-check\b/, '').trim() === '') problems.push(`${rel}:${b.line - 1}: \`no-check\` needs a reason`);
        continue;
      }
      if (b.attrs !== '') problems.push(`${rel}:${b.line - 1}: unknown fence attribute "${b.attrs}" (only: no-check <reason>)`);
      const host = hostOf(md);
      const dir = path.join(host, CACHE);
      mkdirSync(dir, { recursive: true });
      const n = (counters.get(dir) ?? 0) + 1;
      counters.set(dir, n);
      const ext = b.lang === 'tsx' ? 'tsx' : 'ts';
      const file = path.join(dir, `${rel.replace(/[^\w.-]+/g, '_')}.${n}.${ext}`);
      writeFileSync(file, `${b.code}\nexport {};\n`);
      written.set(file, { md: rel, line: b.line });
    }
  }
  return { problems, written };
}

function format(d, written) {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file) return `TS${d.code}: ${msg}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  const origin = written.get(path.resolve(d.file.fileName));
  const where = origin
    ? `${origin.md}:${origin.line + line}:${character + 1}`
    : `${path.relative(root, d.file.fileName)}:${line + 1}:${character + 1}`;
  return `${where}: TS${d.code} ${msg}`;
}

export function checkDocExamples(files) {
  const { problems, written } = writeBlocks(files);
  try {
    if (written.size > 0) {
      const program = ts.createProgram([...written.keys()], compilerOptions());
      const diags = [...program.getOptionsDiagnostics(), ...ts.getPreEmitDiagnostics(program)];
      problems.push(...diags.map((d) => format(d, written)));
    }
  } finally {
    for (const dir of new Set([...written.keys()].map((f) => path.dirname(f)))) rmSync(dir, { recursive: true, force: true });
  }
  return { problems, checked: written.size };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2).map((f) => path.resolve(f));
  for (const f of args) if (!existsSync(f) || !statSync(f).isFile()) throw new Error(`no such file: ${f}`);
  const files = args.length ? args : defaultFiles();
  const { problems, checked } = checkDocExamples(files);
  if (problems.length) {
    console.error(
      `${problems.join('\n')}\n\ncheck-doc-examples: ${problems.length} problem(s) in the TypeScript blocks of ${files.length} Markdown files`,
    );
    process.exit(1);
  }
  console.log(`check-doc-examples: ${checked} TypeScript blocks in ${files.length} Markdown files type-check`);
}
