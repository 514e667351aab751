import { calledByWorkflow, RESEARCH as RESEARCH_ROW, researchEnvSchema } from '@baton/contract';

/** The research agent's name, path, port, audience and scope (`@baton/contract`'s topology row), called by the workflow. */
export const RESEARCH = calledByWorkflow(RESEARCH_ROW);

/** Environment of the research agent (only the shared agent variables): `@baton/contract`'s `researchEnvSchema`. */
export const configSchema = researchEnvSchema;
