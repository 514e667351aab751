import type { Principal } from '@baton/identity';

/** Split a space-delimited `scope` string into its distinct tokens (order kept). */
export function parseScope(scope: string | undefined | null): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter((s) => s.length > 0))];
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
