// Preloaded into every service by section (7) of bench/stack.mjs (NODE_OPTIONS=--import, since Node
// 20 refuses --cpu-prof there): the process whose entry script path contains the module URL's `match`
// query parameter profiles itself with the inspector from its first SIGUSR2 (sent by the bench after
// the warm-up, so start-up is not in the profile) and writes `<dir>/<pid>.cpuprofile` as it exits
// (the launcher stops it with SIGTERM; its shutdown ends in a normal exit). The settings ride in the
// URL, not the environment: pnpm start passes each service only the variables of its own schema.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const query = new URL(import.meta.url).searchParams;
const out = query.get('dir');
const match = query.get('match');
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
