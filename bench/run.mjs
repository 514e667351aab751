#!/usr/bin/env node
// `pnpm bench [--quick]`: every benchmark in this folder, one after the other (build first: `pnpm build`).
// Each prints ratios against a baseline measured in the same run; no absolute targets, since
// these machines are shared and noisy.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
// --quick: a tenth of the work per benchmark (same baselines, noisier ratios), for a check after a change.
const quick = process.argv.includes('--quick');
const rest = process.argv.slice(2).filter((a) => a !== '--quick');
const quickArgs = { 'verify.mjs': ['--n', '2000'], 'remote-client.mjs': ['--calls', '300'], 'platform-api.mjs': ['--runs', '3'] };
let status = 0;
for (const file of ['verify.mjs', 'remote-client.mjs', 'platform-api.mjs']) {
  console.log(`\n## ${file}`);
  const args = [path.join(dir, file), ...(quick ? quickArgs[file] : []), ...rest];
  status ||= spawnSync(process.execPath, args, { stdio: 'inherit' }).status ?? 1;
}
process.exit(status);
