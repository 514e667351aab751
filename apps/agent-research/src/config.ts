import { RESEARCH, researchEnvSchema } from '@baton/contract';

/** The research agent's name, path, port, audience and scope: `@baton/contract`'s topology. */
export { RESEARCH };

/** Environment of the research agent (only the shared agent variables): `@baton/contract`'s `researchEnvSchema`. */
export const configSchema = researchEnvSchema;
