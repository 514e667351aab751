// The team's own graph: a local node that tidies the text, then the summarizer agent called
// remotely, as the user who asked, through Baton (a token exchanged for the agent alone).
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { RunContext } from '@baton/identity';
import { agentNode, nodeRetryPolicy, type GraphDeps } from '@baton/workflow-server';

export const State = Annotation.Root({
  text: Annotation<string>(),
  words: Annotation<number>(),
  summary: Annotation<string>(),
});
type S = typeof State.State;

/** prepare (local) → summarize (the remote agent). */
export function buildGraph({ agents, retry, checkpointer }: GraphDeps<object>) {
  return new StateGraph(State, RunContext)
    .addNode('prepare', ({ text }: S) => {
      const tidy = text.replace(/\s+/g, ' ').trim();
      return { text: tidy, words: tidy ? tidy.split(' ').length : 0 };
    })
    .addNode(
      'summarize',
      agentNode({
        node: 'summarize',
        agent: agents.summarizer!,
        input: ({ text }: S) => ({ text, sentences: 2 }),
        output: (summary) => ({ summary: String(summary) }),
      }),
      { retryPolicy: nodeRetryPolicy('summarize', retry) },
    )
    .addEdge(START, 'prepare')
    .addEdge('prepare', 'summarize')
    .addEdge('summarize', END)
    .compile(checkpointer ? { checkpointer } : {});
}
