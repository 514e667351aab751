// CLI: `node dist/rotate.js` adds a new signing key in ISSUER_DATA_DIR (default .data/issuer).
// A running issuer picks it up within a second (it watches keys.json); old keys stay published.
import path from 'node:path';
import { loadConfig } from '@baton/service';
import { z } from 'zod';
import { rotateKeys } from './keys.js';

const env = loadConfig(z.object({ ISSUER_DATA_DIR: z.string().min(1).default('.data/issuer') }), { service: 'issuer-rotate' });
const dir = path.resolve(process.cwd(), env.ISSUER_DATA_DIR);
const kid = await rotateKeys(dir);
process.stdout.write(`${kid}\n`);
process.stderr.write(`issuer-rotate: new signing key ${kid} in ${dir}\n`);
