/**
 * The REST API as a test calls it: bearer token, JSON in and out.
 */
export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read as each test needs them
  body: Record<string, any>;
}

/** `base` and `token` are read at each call: tests set them in beforeAll, and a restart may move the port. */
export function apiClient(base: () => string, token: () => string) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${base()}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as ApiAnswer['body'] };
  };
}
