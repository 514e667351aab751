// The README's "Serve your own graph" example is test/readme-example.ts, which `tsc --noEmit` type-checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const read = (file: string) => readFileSync(path.join(__dirname, '..', file), 'utf8');

it('shows in the README the example that is type-checked (test/readme-example.ts)', () => {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Serve your own graph'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const example = read('test/readme-example.ts').split('\n').slice(1).join('\n');
  expect(block).toBe(example);
});
