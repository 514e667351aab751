// Where every Baton service lives and who it is: name, mount path, default port, audience, scope,
// SPIFFE id and host name, defined once. Apps, the launcher (scripts/start.mjs), the dev
// certificates, the Dockerfile healthcheck and the compose checks read it from here.
import { spiffeId } from './spiffe.js';

/** What every service has. */
export interface ServiceDefinition {
  /** Service name: `service` in logs and audit lines, the Docker `APP`, the certificate's file and SPIFFE path. */
  readonly name: string;
  /** Default `PORT`. */
  readonly port: number;
  /** Host name inside docker compose (the compose service name), a DNS SAN of its dev certificate. */
  readonly host: string;
  /** `spiffe://baton.local/<name>`: the one URI SAN of its certificate under mutual TLS. */
  readonly spiffeId: string;
  /** Where a health probe asks: `/healthz` (every service serves it). */
  readonly healthPath: '/healthz';
}

/** The workflow or an agent: a LangServe mount behind a bearer token of its own audience and scope. */
export interface RunnableServiceDefinition extends ServiceDefinition {
  /** Mount path of the LangServe routes, e.g. `/research`. */
  readonly path: string;
  /** The audience its tokens carry, e.g. `agent-research`. */
  readonly audience: string;
  /** The scope a caller needs, e.g. `research:invoke`. */
  readonly scope: string;
}

/** What makes one agent. `key` names its variables elsewhere (`RESEARCH_URL`, `RESEARCH_PORT`). */
export interface AgentDefinition extends RunnableServiceDefinition {
  /** Lower-case word: the compose service name and, upper-cased, the prefix of its variables. */
  readonly key: string;
  /** `key` upper-cased: `RESEARCH` in `RESEARCH_URL`, `RESEARCH_PORT`, `RESEARCH_AUDIENCE`... */
  readonly envPrefix: string;
}

export type IssuerDefinition = ServiceDefinition;
export type WorkflowDefinition = RunnableServiceDefinition;

/** One agent as written in the table: the rest (host, SPIFFE id, env prefix) is derived. */
export interface AgentSpec {
  readonly key: string;
  readonly name: string;
  readonly path: string;
  readonly port: number;
  readonly audience: string;
  readonly scope: string;
}

export interface TopologySpec {
  readonly issuer: { readonly name: string; readonly port: number };
  readonly workflow: {
    readonly name: string;
    readonly path: string;
    readonly port: number;
    readonly audience: string;
    readonly scope: string;
  };
  readonly agents: readonly AgentSpec[];
}

export interface Topology {
  readonly issuer: IssuerDefinition;
  readonly workflow: WorkflowDefinition;
  readonly agents: readonly AgentDefinition[];
  /** Every service in start order: the issuer, the agents, the workflow. */
  readonly services: readonly ServiceDefinition[];
}

const KEY = /^[a-z][a-z0-9]*$/;
const NAME = /^[a-z][a-z0-9-]*$/;
const PATH = /^\/[a-z][a-z0-9-]*$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function uniqueFields<T>(items: readonly T[], fields: readonly (keyof T & string)[]): void {
  for (const field of fields) {
    const seen = new Set<unknown>();
    for (const item of items) {
      const v = item[field];
      if (seen.has(v)) throw new TypeError(`defineTopology: two services share the ${field} ${JSON.stringify(v)}`);
      seen.add(v);
    }
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new TypeError(`defineTopology: ${message}`);
}

function service(name: string, port: number, host: string): ServiceDefinition {
  check(NAME.test(name), `service name ${JSON.stringify(name)} must be lower-case letters, digits and dashes`);
  check(Number.isInteger(port) && port > 0 && port <= 65535, `${name}: port must be an integer 1-65535`);
  return { name, port, host, spiffeId: spiffeId(name), healthPath: '/healthz' };
}

function runnable<T extends ServiceDefinition>(
  base: T,
  spec: { path: string; audience: string; scope: string },
): T & RunnableServiceDefinition {
  check(PATH.test(spec.path), `${base.name}: path ${JSON.stringify(spec.path)} must be one lower-case segment like /research`);
  check(spec.audience.trim() !== '' && spec.audience === spec.audience.trim(), `${base.name}: audience must be a non-empty string`);
  check(SCOPE.test(spec.scope), `${base.name}: scope must be one scope token`);
  return { ...base, path: spec.path, audience: spec.audience, scope: spec.scope };
}

/**
 * One agent's definition from its row (checked; a TypeError names the first problem): its host
 * name is its `key`, its SPIFFE id `spiffe://baton.local/<name>`, its variables' prefix the key
 * upper-cased. What a workflow server's `agents` list and an agent's `runAgent` take.
 */
export function defineAgent(a: AgentSpec): AgentDefinition {
  check(KEY.test(a.key), `agent key ${JSON.stringify(a.key)} must be lower-case letters and digits`);
  return Object.freeze({ ...runnable(service(a.name, a.port, a.key), a), key: a.key, envPrefix: a.key.toUpperCase() });
}

/**
 * Builds (and checks) a topology: names, ports, mount paths, audiences, scopes, host names and
 * SPIFFE ids unique; every value well-formed. Throws a TypeError naming the first problem. A test
 * that declares an extra agent calls this with one more row.
 */
export function defineTopology(spec: TopologySpec): Topology {
  const issuer = Object.freeze(service(spec.issuer.name, spec.issuer.port, spec.issuer.name));
  const workflow = Object.freeze(runnable(service(spec.workflow.name, spec.workflow.port, spec.workflow.name), spec.workflow));
  const agents = spec.agents.map(defineAgent);
  const services = [issuer, ...agents, workflow];
  uniqueFields(services, ['name', 'port', 'host']);
  uniqueFields(agents, ['key']);
  uniqueFields([workflow, ...agents], ['path', 'audience', 'scope']);
  return Object.freeze({ issuer, workflow, agents: Object.freeze(agents), services: Object.freeze(services) });
}

/** The agents of the running system, in the order the workflow calls them. */
export const AGENT_SPECS = Object.freeze([
  { key: 'research', name: 'agent-research', path: '/research', port: 3001, audience: 'agent-research', scope: 'research:invoke' },
  { key: 'writer', name: 'agent-writer', path: '/writer', port: 3002, audience: 'agent-writer', scope: 'writer:invoke' },
  { key: 'reviewer', name: 'agent-reviewer', path: '/reviewer', port: 3003, audience: 'agent-reviewer', scope: 'reviewer:invoke' },
] as const satisfies readonly AgentSpec[]);

/** Baton's topology. */
export const TOPOLOGY: Topology = defineTopology({
  issuer: { name: 'issuer', port: 4000 },
  workflow: { name: 'workflow', path: '/workflow', port: 3000, audience: 'baton-workflow', scope: 'workflow:invoke' },
  agents: AGENT_SPECS,
});

/** The keys of Baton's agents. */
export type AgentKey = (typeof AGENT_SPECS)[number]['key'];

function agentOf(topology: Topology, key: string): AgentDefinition {
  const agent = topology.agents.find((a) => a.key === key);
  if (!agent) throw new TypeError(`no agent ${JSON.stringify(key)} in the topology`);
  return agent;
}

export const ISSUER: IssuerDefinition = TOPOLOGY.issuer;
export const WORKFLOW: WorkflowDefinition = TOPOLOGY.workflow;
export const AGENTS: readonly AgentDefinition[] = TOPOLOGY.agents;
export const RESEARCH: AgentDefinition = agentOf(TOPOLOGY, 'research');
export const WRITER: AgentDefinition = agentOf(TOPOLOGY, 'writer');
export const REVIEWER: AgentDefinition = agentOf(TOPOLOGY, 'reviewer');

/**
 * One of `topology`'s agents as its host (`@baton/agent-host`) serves it: called by the workflow,
 * so the workflow is its trusted actor, and in passthrough mode it accepts the workflow's audience
 * and scope.
 */
export function calledByWorkflow(agent: AgentDefinition, topology: Topology = TOPOLOGY) {
  return Object.freeze({
    ...agent,
    trustedActors: Object.freeze([topology.workflow.name]),
    passthrough: Object.freeze({ audience: topology.workflow.audience, scope: topology.workflow.scope }),
  });
}

/** A service of the topology by name (`issuer`, `workflow`, `agent-research`...). */
export function serviceNamed(name: string, topology: Topology = TOPOLOGY): ServiceDefinition | undefined {
  return topology.services.find((s) => s.name === name);
}

/** The default port of a service, by name (the Dockerfile healthcheck's fallback when `PORT` is unset). */
export function defaultPort(name: string, topology: Topology = TOPOLOGY): number | undefined {
  return serviceNamed(name, topology)?.port;
}

/** A service's base URL on one machine (`pnpm start`, dev tools), e.g. `http://127.0.0.1:4000`. */
export function localUrl(service: ServiceDefinition, scheme: 'http' | 'https' = 'http', host = '127.0.0.1'): string {
  return `${scheme}://${host}:${service.port}`;
}

/**
 * The DNS names (besides `localhost`) of each service's dev certificate, by service name: its compose
 * host name. Order: issuer, workflow, agents.
 */
export function certificateNames(topology: Topology = TOPOLOGY): Readonly<Record<string, readonly string[]>> {
  const services = [topology.issuer, topology.workflow, ...topology.agents];
  return Object.freeze(Object.fromEntries(services.map((s) => [s.name, Object.freeze([s.host])])));
}
