// Preloaded into every service by section (7) of bench/stack.mjs (NODE_OPTIONS=--import, since Node
// 20 refuses --cpu-prof there): the process whose entry script path contains BENCH_PROFILE_MATCH
// profiles itself with the inspector from its first SIGUSR2 (sent by the bench after the warm-up, so
// start-up is not in the profile) and writes BENCH_PROFILE_DIR/<pid>.cpuprofile
// as it exits (the launcher stops it with SIGTERM; its shutdown ends in a normal exit).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const { BENCH_PROFILE_DIR: out, BENCH_PROFILE_MATCH: match } = process.env;
if (out && match && (process.argv[1] ?? '').includes(match)) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  process.once('SIGUSR2', () => session.post('Profiler.start'));
  // A same-thread inspector session answers synchronously, so this completes inside 'exit'.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(path.join(out, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
