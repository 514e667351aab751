// The README's "Serve your own graph" example, type-checked by `pnpm check-types` (keep the two the same).
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { defineAgent } from '@baton/contract/topology';
import { RunContext } from '@baton/identity';
import { agentNode, nodeRetryPolicy, serveWorkflow } from '@baton/workflow-server';

// The agent the graph calls: SUMMARIZER_URL, _AUDIENCE, _SCOPE, _RESOURCE, _SPIFFE_ID follow from its key.
const SUMMARIZER = defineAgent({
  key: 'summarizer',
  name: 'agent-summarizer',
  path: '/summarizer',
  port: 3004,
  audience: 'agent-summarizer',
  scope: 'summarizer:invoke',
});

const State = Annotation.Root({
  text: Annotation<string>(),
  summary: Annotation<string>(),
});

await serveWorkflow({
  audience: 'my-workflow',
  scope: 'my-workflow:invoke',
  agents: [SUMMARIZER],
  // Called once for runs without a thread and once with the server's checkpointer.
  graph: ({ agents, retry, checkpointer }) =>
    new StateGraph(State, RunContext)
      .addNode(
        'summarize',
        agentNode({
          node: 'summarize',
          agent: agents.summarizer!,
          input: (state: typeof State.State) => ({ text: state.text }),
          output: (summary) => ({ summary: String(summary) }),
        }),
        { retryPolicy: nodeRetryPolicy('summarize', retry) },
      )
      .addEdge(START, 'summarize')
      .addEdge('summarize', END)
      .compile(checkpointer ? { checkpointer } : {}),
});
