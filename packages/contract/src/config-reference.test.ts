import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { describeVariables, renderConfigReference } from './config-reference.js';
import { envSchemas, launcherEnvSchema } from './env.js';

const CONFIG_MD = fileURLToPath(new URL('../../../docs/CONFIG.md', import.meta.url));

describe('docs/CONFIG.md', () => {
  it('is what `pnpm run config-docs` generates from the schemas (run it after changing a variable)', () => {
    let checkedIn = '';
    try {
      checkedIn = readFileSync(CONFIG_MD, 'utf8');
    } catch {
      // missing: the comparison below fails with the whole expected text
    }
    expect(checkedIn).toBe(renderConfigReference());
  });

  it('lists every variable of every service and of the launcher, each with a description', () => {
    const md = renderConfigReference();
    for (const [service, schema] of Object.entries({ ...envSchemas(), launcher: launcherEnvSchema }))
      for (const v of describeVariables(schema)) {
        expect({ service, name: v.name, described: v.description.trim().length > 0 }).toEqual({ service, name: v.name, described: true });
        expect(md).toContain(`| \`${v.name}\` |`);
      }
    expect(md).toContain('| `AGENT_AUTH_MODE` |');
    expect(md).toContain('| `THREAD_TTL` | `THREAD_TTL_MS` | `workflow` |');
  });

  it('refuses to document a variable without a description', () => {
    expect(() => describeVariables(z.object({ UNDESCRIBED_MS: z.string() }))).toThrow(/UNDESCRIBED_MS has no description/);
  });
});
