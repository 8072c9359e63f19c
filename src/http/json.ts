/**
 * Errors of the HTTP API: one shape `{ error: { code, message, fields? } }`, the status of each
 * use-case refusal, and never a stack trace. Bodies are read by src/http/app.ts.
 */
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

/** The one error shape of every JSON answer. */
export function errorBody(error: HttpError): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.fields ? { fields: error.fields } : {}),
      ...error.extra,
    },
  };
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
