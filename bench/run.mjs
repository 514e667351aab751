#!/usr/bin/env node
// `pnpm bench`: every benchmark in this folder, one after the other (build first: `pnpm build`).
// Each prints ratios against a baseline measured in the same run; no absolute targets, since
// these machines are shared and noisy.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
let status = 0;
for (const file of ['verify.mjs', 'remote-client.mjs']) {
  console.log(`\n## ${file}`);
  status ||= spawnSync(process.execPath, [path.join(dir, file), ...process.argv.slice(2)], { stdio: 'inherit' }).status ?? 1;
}
process.exit(status);
