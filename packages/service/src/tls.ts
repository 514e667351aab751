import { isSpiffeId } from '@baton/mtls';
import { z } from 'zod';

// The SPIFFE id syntax lives with the mutual-TLS runtime (@baton/mtls); re-exported for configs.
export { spiffeId, isSpiffeId } from '@baton/mtls';

/**
 * The environment variables that turn TLS on for a service: all three set = on, none = off,
 * anything else is a configuration error. Spread into a service's zod config object.
 */
export const tlsEnvShape = {
  /** PEM certificate of this service (its identity: one `spiffe://` URI SAN). */
  TLS_CERT_FILE: z.string().min(1).optional(),
  /** PEM private key of `TLS_CERT_FILE`. */
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** PEM CA bundle: peers' certificates must chain to it. */
  TLS_CA_FILE: z.string().min(1).optional(),
};

/** A SPIFFE id from the environment, with a default. */
export function spiffeIdVar(defaultId: string) {
  return z.string().refine(isSpiffeId, { error: 'must be a SPIFFE id like spiffe://baton.local/<service>' }).default(defaultId);
}
