/** POST `body` as JSON to `${base}${route}`, with `Authorization: Bearer <token>` when given. */
export function post(base: string, route: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}
