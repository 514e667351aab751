// docs/BROWSER.md's `@microsoft/fetch-event-source` snippet, as a user copies it: type-checked as
// browser code (lib DOM, no Node types) and run against the real workflow (`pnpm start`): a run to
// its `end`; a refused token and a Last-Event-ID with nothing to resume end at once, each after
// ONE request (the library's default would retry them forever).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT, startStack, type Stack } from './stack.js';

const DOC = path.join(ROOT, 'docs/BROWSER.md');
const snippet = /```ts[^\n]*\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))![1]!;

/** Type errors of the snippet compiled as a module beside this test (so its imports resolve from @baton/e2e). */
function typeErrors(source: string): string[] {
  const file = path.join(__dirname, '__browser_snippet__.ts');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    types: [],
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

interface SnippetExports {
  streamRun(o: {
    workflowUrl: string;
    token: string;
    input: { topic: string };
    onEvent: (e: { event: string; data: string; id: string }) => void;
    lastEventId?: string;
  }): Promise<void>;
  FinalAnswer: new (...args: never[]) => Error & { status: number; code: string | undefined };
}

/** The snippet compiled to CommonJS and loaded with this test's `require`. */
function load(source: string): SnippetExports {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', js)(require, module, module.exports);
  return module.exports as unknown as SnippetExports;
}

it('type-checks as browser code', () => {
  expect(typeErrors(snippet)).toEqual([]);
  // the check is not vacuous: a wrong option or a Node-only global is an error
  expect(typeErrors(snippet.replace("method: 'POST'", 'method: 42'))).not.toEqual([]);
  expect(typeErrors(`${snippet}\nexport const cwd = process.cwd();`)).not.toEqual([]);
});

describe('run against the workflow', () => {
  let stack: Stack;
  let snippetExports: SnippetExports;
  const requests: string[] = [];
  const realFetch = globalThis.fetch;
  const g = globalThis as unknown as Record<string, unknown>;

  beforeAll(async () => {
    stack = await startStack();
    // what a browser has and Node lacks: the library reads window.fetch/setTimeout and document
    g.window = globalThis;
    g.document = { hidden: false, addEventListener: () => undefined, removeEventListener: () => undefined };
    globalThis.fetch = (input, init) => {
      if (String(input).includes('/workflow/')) requests.push(String(input));
      return realFetch(input, init);
    };
    snippetExports = load(snippet);
  }, 120_000);
  afterAll(async () => {
    globalThis.fetch = realFetch;
    delete g.window;
    delete g.document;
    await stack?.stop();
  });
  beforeEach(() => void requests.splice(0));

  it('reads a run to its end event and resolves', async () => {
    const events: string[] = [];
    await snippetExports.streamRun({
      workflowUrl: stack.urls.workflow,
      token: await stack.token('alice'),
      input: { topic: 'browser streams' },
      onEvent: (e) => events.push(e.event),
    });
    expect(events[0]).toBe('metadata');
    expect(events).toContain('data');
    expect(events.at(-1)).toBe('end');
    expect(requests).toHaveLength(1);
  }, 60_000);

  it('stops at once on a 4xx: a refused token is final (one request, FinalAnswer 401)', async () => {
    const err = await snippetExports
      .streamRun({ workflowUrl: stack.urls.workflow, token: 'not-a-token', input: { topic: 'x' }, onEvent: () => undefined })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(snippetExports.FinalAnswer);
    expect(err).toMatchObject({ status: 401, code: 'AUTH_TOKEN_MALFORMED' });
    expect(requests).toHaveLength(1);
  });

  it('stops at once on 204: a Last-Event-ID with nothing to resume is final (one request)', async () => {
    const err = await snippetExports
      .streamRun({
        workflowUrl: stack.urls.workflow,
        token: await stack.token('alice'),
        input: { topic: 'x' },
        onEvent: () => undefined,
        lastEventId: 'not-an-id-the-workflow-issued',
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 204 });
    expect(requests).toHaveLength(1);
  });
});
