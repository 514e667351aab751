// SPIFFE ids: what a Baton certificate's identity looks like. (When the topology contract
// package lands, these three move there and this package imports them.)

/** The SPIFFE trust domain of Baton's dev certificates. */
export const SPIFFE_TRUST_DOMAIN = 'baton.local';

const SPIFFE_ID = /^spiffe:\/\/[a-z0-9.-]+(?:\/[A-Za-z0-9._-]+)+$/;

/** `spiffe://baton.local/<service>`: a service's identity, the one URI SAN of its certificate. */
export function spiffeId(service: string, trustDomain = SPIFFE_TRUST_DOMAIN): string {
  const id = `spiffe://${trustDomain}/${service}`;
  if (!SPIFFE_ID.test(id)) throw new TypeError(`spiffeId: not a valid SPIFFE id: ${JSON.stringify(id)}`);
  return id;
}

/** Whether `s` is a SPIFFE id (`spiffe://trust-domain/path`). */
export function isSpiffeId(s: unknown): s is string {
  return typeof s === 'string' && SPIFFE_ID.test(s);
}
