// Validates Kubernetes objects against the Kubernetes API schemas of `kubernetes-models` (generated
// from the Kubernetes OpenAPI document), strictly, in two passes over the same package:
//   1. its runtime validator (ajv, compiled from the OpenAPI schemas): types, required fields,
//      enums and formats;
//   2. its TypeScript interfaces, by the TypeScript compiler: each object becomes an object literal
//      typed `I<Kind>`, so an unknown field anywhere in it (a misspelt probe, a field at the wrong
//      level) is an excess-property error. The OpenAPI schemas leave `additionalProperties` open,
//      which is why pass 1 alone would accept `readinesProbe`.
// A child process because kubernetes-models is ESM-only and jest here runs CommonJS.
// stdin: a JSON array of objects. stdout: a JSON array of `{ index, object, message }` problems.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment`; core `v1` → `kubernetes-models/v1/Service`. */
const modulePath = (apiVersion, kind) => `kubernetes-models/${apiVersion}/${kind}`;
const label = (o) => `${o?.kind ?? '?'}/${o?.metadata?.name ?? '?'}`;

async function runtimeProblems(objects) {
  const problems = [];
  for (const [index, o] of objects.entries()) {
    let Model;
    try {
      Model = (await import(modulePath(o.apiVersion, o.kind)))[o.kind];
    } catch {
      Model = undefined;
    }
    if (typeof Model !== 'function') {
      problems.push({ index, object: label(o), message: `no Kubernetes schema for ${o.apiVersion} ${o.kind}` });
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      problems.push({ index, object: label(o), message: String(e.message ?? e) });
    }
  }
  return problems;
}

function typeProblems(objects) {
  // One object per line, after one import line per object: line (index * 2 + 1) holds object `index`.
  const lines = [];
  for (const [i, o] of objects.entries()) {
    lines.push(`import type { I${o.kind} as T${i} } from '${modulePath(o.apiVersion, o.kind)}';`);
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(o)};`);
  }
  const file = path.join(here, '__k8s-schema-check__.ts');
  const source = lines.join('\n');
  const host = ts.createCompilerHost({});
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (f === file ? source : readFile(f));
  host.fileExists = (f) => f === file || fileExists(f);
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const index = line >= 0 ? Math.floor(line / 2) : -1;
    return { index, object: label(objects[index]), message: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
  });
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [...(await runtimeProblems(objects)), ...typeProblems(objects)];
process.stdout.write(JSON.stringify(problems));
