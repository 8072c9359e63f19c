/**
 * JSON in and out for the HTTP API: bounded body reading, error bodies of one shape
 * `{ error: { code, message, fields? } }`, and never a stack trace.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldError } from '../domain/policy.js';
import type { Refusal } from '../app/outcome.js';

/** Generous for 500 invitees with long addresses; anything bigger is not a reservation. */
export const MAX_BODY_BYTES = 256 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, {
    error: {
      code: error.code,
      message: error.message,
      ...(error.fields ? { fields: error.fields } : {}),
      ...error.extra,
    },
  });
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'malformed_json', 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'malformed_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, 'body_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
}

/** The HTTP status of each refusal: the REST API's and the web pages' answers agree. */
export const STATUS_BY_REASON: Record<Refusal['reason'], number> = {
  invalid: 422,
  not_found: 404,
  forbidden: 403,
  unavailable: 409,
  invalid_transition: 409,
  deadline_passed: 409,
  idempotency_key_reused: 422,
};

/** A use case's refusal as the HTTP error it answers with. */
export function refusalToHttp(refusal: Refusal): HttpError {
  const status = STATUS_BY_REASON[refusal.reason];
  switch (refusal.reason) {
    case 'invalid':
      return new HttpError(status, 'invalid', refusal.message, refusal.fields);
    case 'unavailable':
      return new HttpError(status, 'unavailable', refusal.message, undefined, {
        alternatives: refusal.alternatives.map((alternative) => ({
          kind: alternative.kind,
          server: { id: alternative.serverId, name: alternative.serverName },
          startsAt: alternative.startsAt.toISOString(),
          endsAt: alternative.endsAt.toISOString(),
        })),
      });
    default:
      return new HttpError(status, refusal.reason, refusal.message);
  }
}
