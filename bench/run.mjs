#!/usr/bin/env node
// `pnpm bench [--quick] [--sections 1,2,3,4,5,6,7]` / `pnpm bench --soak 600` (build first:
// `pnpm build`): every benchmark in this folder, one after the other, each printing ratios against
// a baseline measured in the same run in interleaved rounds; never an absolute target or an
// assertion, since these machines are shared and noisy. bench/README.md says what each row means.
//
//   (1) whole stack vs hand-written undici chain   (4) first token, idle-stream RSS   (stack.mjs)
//   (5) threaded vs unthreaded                                                        (stack.mjs)
//   (6) Platform API runs.wait / runs.stream vs the LangServe routes                  (platform-api.mjs)
//   (7) CPU profile of the workflow by layer                                          (stack.mjs)
//   (2) auth off vs on: not built yet              (3) remote client vs official vs bare undici
//   token verification (verify.mjs)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
// --quick: fewer rounds and shorter ones (same baselines, noisier ratios): under three minutes, run in CI.
const quick = argv.includes('--quick');
const soakAt = argv.indexOf('--soak');
const sectionsAt = argv.indexOf('--sections');
const sections = sectionsAt >= 0 ? String(argv[sectionsAt + 1]).split(',') : ['1', '2', '3', '4', '5', '6', '7', 'verify'];
const run = (file, args) => {
  console.log(`\n# ${file} ${args.join(' ')}`.trimEnd());
  return spawnSync(process.execPath, [path.join(dir, file), ...args], { stdio: 'inherit' }).status ?? 1;
};

let status = 0;
if (soakAt >= 0) {
  status = run('stack.mjs', ['--soak', String(argv[soakAt + 1])]);
} else {
  const stackSections = sections.filter((s) => ['1', '4', '5', '7'].includes(s));
  if (stackSections.length) status = run('stack.mjs', [...(quick ? ['--quick'] : []), '--sections', stackSections.join(',')]) || status;
  if (sections.includes('6')) {
    console.log('\n## (6) Platform API: runs.wait / runs.stream beside /workflow/invoke and /workflow/stream\n');
    status = run('platform-api.mjs', quick ? ['--runs', '3'] : []) || status;
  }
  if (sections.includes('2')) console.log('\n## (2) auth off vs on\n\nnot built yet (an auth-free server in bench/ code: issue 18)');
  if (sections.includes('3')) {
    console.log('\n## (3) remote client: @baton/remote vs the official RemoteRunnable vs bare undici, echo server\n');
    status = run('remote-client.mjs', quick ? ['--calls', '300', '--rounds', '3'] : []) || status;
  }
  if (sections.includes('verify')) {
    console.log('\n## token verification: full RS256 vs a verified-token cache hit\n');
    status = run('verify.mjs', quick ? ['--n', '2000'] : []) || status;
  }
}
process.exit(status);
