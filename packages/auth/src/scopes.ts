import type { Principal } from '@baton/identity';

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Whether `value` is one RFC 6749 §3.3 scope token (printable ASCII except space, `"` and `\`). */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value);
}

/** Split a space-delimited `scope` string into its distinct tokens (order kept). */
export function parseScope(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter((s) => s.length > 0))];
}

/** Join scopes into the space-delimited form used on the wire. */
export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** The scopes in `required` the principal was not granted. */
export function missingScopes(principal: Pick<Principal, 'scope'>, required: readonly string[] | string): string[] {
  const need = typeof required === 'string' ? parseScope(required) : required;
  const granted = new Set(principal.scope);
  return need.filter((s) => !granted.has(s));
}

/** Whether the principal holds every scope in `required` (a list or a space-delimited string). */
export function hasScopes(principal: Pick<Principal, 'scope'>, required: readonly string[] | string): boolean {
  return missingScopes(principal, required).length === 0;
}
