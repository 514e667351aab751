#!/usr/bin/env node
// Lists source functions longer than a limit (default 80 lines): function declarations, methods,
// accessors, constructors, function expressions and arrow functions, in the non-test sources of
// apps/*/src, packages/*/src and scripts/*.mjs. Usage: node scripts/function-lengths.mjs [limit]
// Exits 1 when any function is over the limit.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const limit = Number(process.argv[2] ?? 80);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (/\.(ts|mts|mjs)$/.test(name) && !/\.(test|spec)\.[mc]?[jt]s$/.test(name) && !name.endsWith('.d.ts')) yield full;
  }
}

function sourceFiles() {
  const files = [];
  for (const group of ['apps', 'packages']) {
    for (const pkg of readdirSync(path.join(root, group))) {
      const src = path.join(root, group, pkg, 'src');
      if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) files.push(...walk(src));
    }
  }
  files.push(
    ...readdirSync(path.join(root, 'scripts'))
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => path.join(root, 'scripts', f)),
  );
  return files;
}

function nameOf(node) {
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)))
    return parent.name.getText();
  if (parent && ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
}

const long = [];
for (const file of sourceFiles()) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit) long.push({ name: nameOf(node), file: path.relative(root, file), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
long.sort((a, b) => b.lines - a.lines);
for (const f of long) console.log(`${String(f.lines).padStart(4)}  ${f.name}  ${f.file}:${f.line}`);
console.log(`${long.length} function(s) over ${limit} lines`);
process.exitCode = long.length ? 1 : 0;
