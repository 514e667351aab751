/**
 * The research agent's bundled corpus: short original articles on the topics Baton lives in
 * (agents, OAuth 2.0, token exchange, JWT, LangGraph, streaming, meshes, mTLS, observability).
 * Paragraphs are separated by a blank line; the search index splits them into passages.
 * URLs are fictional (`https://docs.baton.local/...`).
 */
export interface Article {
  readonly id: string;
  readonly title: string;
  readonly url: string;
  readonly body: string;
}

const BASE = 'https://docs.baton.local';

function article(id: string, title: string, path: string, paragraphs: string[]): Article {
  return Object.freeze({ id, title, url: `${BASE}/${path}`, body: paragraphs.join('\n\n') });
}

export const corpus: readonly Article[] = Object.freeze([
  article('agents-101', 'What an AI agent service is', 'agents/what-is-an-agent', [
    'An agent service wraps a language model, or a deterministic procedure, behind a narrow task: find sources, draft a report, review a draft. Each agent owns one job and exposes it over HTTP so that a workflow can call it like any other dependency.',
    'Keeping agents small makes them replaceable. A research agent that searches a local corpus today can search a vector store tomorrow without the workflow noticing, as long as its input and output contract stays the same.',
    'Agents are not trusted by default. Every request an agent receives carries the identity of the user the work is for, and the agent decides on its own whether that user, and the service calling on their behalf, may use it.',
  ]),
  article('multi-agent-workflows', 'Designing multi-agent workflows', 'agents/multi-agent-workflows', [
    'A multi-agent workflow splits a task into steps owned by different agents: one gathers material, another writes, a third reviews. The workflow is the conductor; it passes state from one step to the next and decides when the job is done.',
    "Loops need limits. A writer and a reviewer that disagree can revise forever, so the workflow caps the number of revisions and returns the best draft with the reviewer's remaining notes when the cap is reached.",
    'Each hop between agents is a network call with its own failure modes. Timeouts, retries for idempotent calls and clear error codes keep one slow agent from stalling the whole workflow.',
  ]),
  article('agent-contracts', 'Input and output contracts for agents', 'agents/contracts', [
    'An agent contract is the JSON shape of its input and output. Publishing it as JSON Schema lets clients validate requests before sending them and lets the agent reject malformed input with a clear 400 error instead of a stack trace.',
    'Contracts should be boring and explicit: named fields, documented defaults, bounded numbers. A limit field that accepts any integer invites a caller to ask for a million results.',
    'Versioning matters once several teams depend on an agent. Additive changes such as a new optional field are safe; renaming or removing a field breaks every workflow that relied on it.',
  ]),
  article('oauth2-overview', 'OAuth 2.0 in one page', 'oauth/overview', [
    'OAuth 2.0 is a framework for delegated authorization. A client obtains an access token from an authorization server and presents it to a resource server, which checks that the token allows the requested operation.',
    'The token, not the password, travels with each request. Access tokens are short-lived and narrowly scoped, so a leaked token is worth far less than a leaked credential.',
    'OAuth defines several grant types. Authorization code with PKCE suits users in a browser, client credentials suits a service acting as itself, and token exchange lets a service act on behalf of a user it is already serving.',
  ]),
  article('oauth2-scopes', 'Scopes and least privilege', 'oauth/scopes', [
    'A scope is a label for a permission, such as research:invoke or writer:invoke. The authorization server puts the granted scopes in the token and the resource server refuses requests whose token lacks the scope it requires.',
    'Least privilege means each token carries only the scopes needed for the next hop. A token meant for the research agent should not also unlock the writer, even if both belong to the same user.',
    'When a request is authenticated but lacks a scope, the correct answer is 403 with the error insufficient_scope, not 401. The client does not need a new identity; it needs a token with more permission.',
  ]),
  article('client-credentials', 'The client credentials grant', 'oauth/client-credentials', [
    'In the client credentials grant a service authenticates as itself, with a client id and secret or a private key, and receives a token that names the service rather than a user.',
    'This grant is right for background jobs that act on their own authority. It is the wrong tool when the work is done for a specific user, because the downstream service can no longer tell which user asked.',
    'Client secrets must be rotated and stored like any other secret. Private key JWT client authentication avoids shared secrets altogether by letting the client sign a short assertion.',
  ]),
  article('token-exchange', 'RFC 8693 token exchange', 'oauth/token-exchange', [
    'Token exchange, defined in RFC 8693, lets a service trade the token it received for a new token aimed at another audience. The service sends the subject_token, names the audience it wants and authenticates as itself.',
    'The new token keeps the user as its subject and adds an act claim naming the service that performed the exchange. A downstream agent can therefore see both who the work is for and who is calling on their behalf.',
    'Exchanged tokens should be short-lived, limited to the target audience and scope, and cached by the caller until shortly before they expire, so that a busy workflow does not call the authorization server on every hop.',
  ]),
  article('delegation-vs-impersonation', 'Delegation versus impersonation', 'oauth/delegation-vs-impersonation', [
    'In impersonation, a service obtains a token that looks exactly as if the user had called directly. The downstream service cannot tell that an intermediary was involved.',
    'In delegation, the token records the chain of actors in the act claim. Auditing becomes honest: a log line says that the workflow acted for the user, not merely that the user called.',
    "Delegation also allows policy on the actor. An agent can accept exchanged tokens only when the acting service is on an allow-list, which stops an unexpected service from reusing a user's authority.",
  ]),
  article('audience-restriction', 'Audience restriction', 'oauth/audience', [
    'The aud claim says which service a token is for. A resource server must reject a token whose audience does not name it, otherwise a token issued for one service can be replayed against another.',
    'Audiences should be compared as exact strings. Pattern matching on audiences has caused real vulnerabilities when a crafted audience happened to match a lenient expression.',
    'Passing one broad token through every hop is simpler but weaker: any service that sees it can call any other. Exchanging for a per-agent audience confines a leaked token to a single agent.',
  ]),
  article('jwt-basics', 'JSON Web Tokens explained', 'jwt/basics', [
    'A JSON Web Token is three base64url parts: a header naming the algorithm and key id, a payload of claims, and a signature. Anyone can read the claims; only the key holder can produce a valid signature.',
    'Common claims are iss for the issuer, sub for the subject, aud for the audience, exp for expiry, iat for issue time and scope for permissions. Verification checks the signature first and the claims second.',
    'Decoding a token is not verifying it. Reading claims from an unverified token and acting on them is one of the most common and most serious mistakes in services that handle JWTs.',
  ]),
  article('jwt-validation', 'Validating a JWT correctly', 'jwt/validation', [
    'A verifier should fix the list of acceptable algorithms in advance, for example RS256 only, and never let the token header choose. Accepting none or switching between symmetric and asymmetric algorithms has broken many systems.',
    'After the signature, check the issuer, the audience, the expiry and the not-before time, allowing a small clock tolerance of a few seconds. Require exp to be present; some libraries quietly accept tokens without it.',
    'Verification results can be cached by a hash of the token until the token expires. A cache hit costs microseconds, whereas a full RSA verification costs tens of microseconds and more under load.',
  ]),
  article('jwks-rotation', 'JWKS and key rotation', 'jwt/jwks', [
    'A JSON Web Key Set publishes the public keys an issuer signs with, each labelled with a kid. Resource servers fetch the set, cache it, and pick the key whose kid matches the token header.',
    'Rotation works by publishing the new key before signing with it, then retiring the old key after every token it signed has expired. A verifier that sees an unknown kid refetches the set, but no more often than a cooldown allows.',
    'An unreachable JWKS endpoint is an outage, not an authentication failure. Reporting it as 401 sends clients off to fetch new tokens that will fail in exactly the same way.',
  ]),
  article('bearer-errors', 'RFC 6750 bearer token errors', 'oauth/bearer-errors', [
    'RFC 6750 defines how a resource server reports problems with a bearer token. A missing or invalid token gets 401 with a WWW-Authenticate header carrying error="invalid_token".',
    'A valid token without the required scope gets 403 with error="insufficient_scope" and, ideally, the scope that would have been enough. A malformed request gets 400 with error="invalid_request".',
    'Error bodies should be stable and safe: a machine-readable code, a human message, and never the token itself or internal details such as stack traces.',
  ]),
  article('langgraph-intro', 'LangGraph.js fundamentals', 'langgraph/fundamentals', [
    'LangGraph.js models a workflow as a graph of nodes that read and update a shared state. Edges, including conditional edges, decide which node runs next, and cycles are allowed, which suits revise-and-review loops.',
    'Each node is a function of the state and a config object. The config carries per-run values such as the abort signal, callbacks and the run context, so nodes never need global variables.',
    'A compiled graph is itself a runnable: it can be invoked, streamed and served over the same protocol as any other LangChain component.',
  ]),
  article('langgraph-context', 'Per-run context in LangGraph', 'langgraph/context', [
    "LangGraph passes per-run runtime context to every node through config.context. It is the right place for a caller's credentials, because it reaches nested runnables and subgraphs without being copied into traces.",
    'Values in configurable, by contrast, are recorded in traced child runs and can appear in debug streams. Tokens placed there travel further than anyone intended.',
    "Because context is per run, two users' runs interleaving on one process never share credentials. No node reads a global, so there is nothing to mix up.",
  ]),
  article('langgraph-checkpoints', 'Checkpoints and state persistence', 'langgraph/checkpoints', [
    'A checkpointer saves the graph state after each step so a run can resume after a failure or continue a conversation later. Memory, SQLite and Postgres checkpointers share one interface.',
    'Checkpoints are data at rest and deserve the same care as a database: they can hold error messages and intermediate outputs. Keep tokens and other secrets out of state and out of error text.',
    'Thread identifiers scope checkpoints to a conversation. A service that lets callers choose thread ids must also check that the caller owns the thread.',
  ]),
  article('langserve-protocol', 'The LangServe wire protocol', 'protocols/langserve', [
    'LangServe exposes a runnable under a path with a handful of routes: invoke for a single call, batch for several, stream for server-sent events, and schema routes describing input and output.',
    'An invoke request is a JSON body with input, an optional config and kwargs; the response holds the output and metadata such as the run id. A stream response sends a metadata event, one data event per chunk and an end event.',
    'Because the protocol is small and stable, a client written by someone else can call any compliant server. That is a useful test: if the reference client works unchanged, the server speaks the protocol.',
  ]),
  article('sse-streaming', 'Streaming with server-sent events', 'streaming/sse', [
    'Server-sent events are a one-way stream over plain HTTP: the server writes event and data lines separated by blank lines, and the client reads them as they arrive.',
    'Streaming improves perceived latency. A reader who sees a report appear sentence by sentence starts reading seconds before the last word is written.',
    'Streams need care at the edges: send a periodic comment to keep proxies from closing idle connections, stop work when the client disconnects, and report failures as an error event because the status code has already been sent.',
  ]),
  article('backpressure-abort', 'Cancellation and abort signals', 'streaming/abort', [
    'An AbortSignal lets a caller cancel work it no longer needs. A service should pass the signal down to every call it makes, so a user closing the browser tab stops the model, the HTTP requests and the timers behind it.',
    "Cancellation is not an error from the caller's point of view. Logs should record it at a low level, and retries must never fire for an aborted call.",
    "Timeouts are a kind of abort. Giving each hop its own deadline, shorter than the caller's, leaves time to report a clean error instead of a dropped connection.",
  ]),
  article('service-mesh', 'Service meshes and zero trust', 'networking/service-mesh', [
    'A service mesh puts a proxy next to every service to handle encryption, retries and traffic policy outside the application. Istio and Linkerd are common examples.',
    'Meshes usually provide workload identity through mutual TLS certificates. That proves which service is calling, but not which user the call is for, so user tokens are still needed.',
    'Zero trust means no request is trusted because of where it comes from. Every hop authenticates the caller and authorizes the operation, inside the cluster as well as at its edge.',
  ]),
  article('mtls', 'Mutual TLS between services', 'networking/mtls', [
    'In mutual TLS both sides present certificates. The server proves its identity to the client as in ordinary TLS, and the client proves its identity to the server with its own certificate.',
    "Mutual TLS adds a second, independent check to token authentication: an agent can require that the peer presenting a token holds the workflow's certificate, so a stolen token alone is not enough.",
    'Certificates expire and must be rotated. Short-lived certificates issued automatically, for example by a mesh or an internal certificate authority, keep rotation routine instead of an annual emergency.',
  ]),
  article('observability-logs', 'Structured logging for services', 'observability/logging', [
    'Structured logs are JSON objects rather than free text, so they can be filtered and aggregated. Each line should carry the service name, a request id and the fields an operator will search for.',
    'Logs must never contain secrets. Redact authorization headers and cookies, and identify tokens by a short hash, a fingerprint, instead of their value.',
    'Audit events are a special kind of log line with a fixed shape: who acted, on whose behalf, what they did and whether it was allowed. A fixed shape makes them easy to ship to a security tool.',
  ]),
  article('observability-tracing', 'Distributed tracing with traceparent', 'observability/tracing', [
    'Distributed tracing follows one request across services. The W3C traceparent header carries a trace id and the id of the calling span, and each service starts a child span under it.',
    'A request id echoed in responses and logs is the cheapest form of correlation. When a user reports a failure, the id leads straight to every log line about that request.',
    'Traces are only useful if every hop propagates the headers. A single service that drops traceparent splits the trace in two and hides where the time went.',
  ]),
  article('observability-metrics', 'Metrics that matter for agent services', 'observability/metrics', [
    'The basic service metrics are rate, errors and duration for each route. For agents, add the number of tokens or chunks streamed and the time to first chunk.',
    'Authentication deserves its own counters: requests rejected for an invalid token, for a missing scope and for an unreachable key set. A sudden rise in one of them tells a different story from the others.',
    'Health and readiness endpoints let orchestrators route traffic. Liveness says the process runs; readiness says it can serve, for example that it has loaded its keys.',
  ]),
  article('graceful-shutdown', 'Graceful shutdown', 'operations/shutdown', [
    'When a service receives SIGTERM it should stop accepting new connections, let requests in flight finish within a deadline, close its clients and then exit.',
    'Streaming requests make shutdown harder because they can last for minutes. A deadline ensures the process exits even if a client never disconnects.',
    'Containers must run the process so that it receives the signal directly. A shell wrapper that swallows SIGTERM turns every deploy into a forced kill.',
  ]),
  article('rate-limiting', 'Rate limiting and quotas', 'operations/rate-limiting', [
    'Rate limits protect a service from bursts and from a single noisy caller. Limits keyed by user, taken from the verified token, are fairer than limits keyed by IP address.',
    'A limited request should get 429 with a Retry-After header, so well-behaved clients back off instead of retrying immediately.',
    'Model-backed agents are expensive, so quotas often count tokens or requests per user per day in addition to a short-term rate limit.',
  ]),
  article('retrieval', 'Retrieval for grounded answers', 'agents/retrieval', [
    "Retrieval grounds an agent's output in sources. The agent searches a corpus for passages relevant to the question and hands them to the writer, which cites them.",
    'Full-text search with prefix matching, fuzzy matching and field boosts is a strong baseline. It is fast, deterministic and easy to explain, and it needs no model at all.',
    'Returning passages rather than whole documents keeps the writer focused: a paragraph that answers the question is more useful than a ten-page article that mentions it once.',
  ]),
  article('citations', 'Citations and review', 'agents/citations', [
    'A report that cites its sources can be checked. Numbered citations such as [1] tie each claim to an entry in a source list, and a reviewer can confirm that every source is used and no citation points nowhere.',
    "Automated review works best with explicit rules: every source cited, length within bounds, the topic's key terms covered. Rules make the verdict reproducible and the notes actionable.",
    'A model can add judgement on top of the rules, for example about tone or clarity, but the rules should stay authoritative so that the same draft always gets the same verdict.',
  ]),
  article('prompt-injection', 'Prompt injection and tool permissions', 'security/prompt-injection', [
    'Prompt injection hides instructions in content a model reads, such as a web page or a retrieved passage. A model that obeys them can leak data or call tools it should not.',
    "The strongest defence is to limit what the agent can do. If an agent's token only allows it to call one downstream service for one user, an injected instruction cannot reach further.",
    'Treat model output as untrusted input: validate it against a schema, never execute it directly and never let it choose credentials.',
  ]),
  article('secrets-handling', 'Handling secrets in services', 'security/secrets', [
    'Secrets such as client credentials and signing keys belong in a secret store or in environment variables injected at deploy time, never in the repository.',
    'Error messages are a common leak: a library that echoes its input can put a token into a log or a response. Scrubbing token-shaped strings before logging is a cheap safety net.',
    'Bearer tokens in request bodies or query strings end up in access logs and traces. Keep them in the Authorization header and nowhere else.',
  ]),
  article('passthrough-mode', 'Token passthrough and its trade-offs', 'oauth/passthrough', [
    "In passthrough mode a service forwards the caller's token unchanged to the next hop. Some identity providers offer no token exchange, which leaves passthrough as the only option.",
    "The downstream service must then accept the workflow's audience, and any service holding the token can call any other that accepts it. The blast radius of a leaked token grows with every hop.",
    'Passthrough should be an explicit configuration choice, visible in the config and the logs, never a silent fallback when token exchange fails.',
  ]),
]);
