// The README's "Serve your own agent" example, type-checked by `pnpm check-types` (keep the two the same).
import { RunnableLambda } from '@langchain/core/runnables';
import { z } from 'zod';
import { serveAgent } from '@baton/agent-host';

const summarize = RunnableLambda.from(async ({ text }: { text: string }) => text.split('. ')[0] ?? '');

await serveAgent({
  runnable: summarize,
  name: 'agent-summarizer',
  path: '/summarizer',
  port: 3004,
  audience: 'agent-summarizer',
  scope: 'summarizer:invoke',
  trustedActors: ['my-workflow'],
  inputSchema: z.object({ text: z.string().max(20_000) }),
});
