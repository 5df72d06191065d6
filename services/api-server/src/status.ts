/**
 * Design: every failure the API server reports is a metav1.Status (kind, code, reason, message,
 * details), as apimachinery's StatusError builds it, so kubectl prints `Error from server
 * (Reason): message` and client libraries see the reason they branch on. Errors from the cluster
 * (ApiError from the store's write semantics, ManifestError from validation) map to their
 * reasons here, with their own texts.
 */
import { ApiError } from '@pvsim/domain';
import { ManifestError } from '@pvsim/manifests';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
}

export class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusDetails) {
    super(message);
    this.name = 'StatusError';
  }
}

const CODES: Record<string, number> = {
  NotFound: 404, AlreadyExists: 409, Conflict: 409, Invalid: 422, BadRequest: 400, MethodNotAllowed: 405,
  Gone: 410, InternalError: 500, UnsupportedMediaType: 415, NotAcceptable: 406,
};

export function statusBody(code: number, reason: string, message: string, details?: StatusDetails): object {
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure',
    message, reason, ...(details ? { details } : {}), code,
  };
}

/** The Status for a thrown error; anything unrecognised is an InternalError (its message kept). */
export function toStatusError(e: unknown, target?: { name?: string; group: string; plural: string }): StatusError {
  if (e instanceof StatusError) return e;
  const details: StatusDetails | undefined = target ? { ...(target.name !== undefined ? { name: target.name } : {}), group: target.group, kind: target.plural } : undefined;
  if (e instanceof ApiError) {
    return new StatusError(CODES[e.code] ?? 500, e.code, e.message, details);
  }
  if (e instanceof ManifestError) {
    // The CLI's text names the file and line of a manifest; a request has neither. kubectl
    // prints an Invalid Status from its details: `The KIND "NAME" is invalid: FIELD: MESSAGE`.
    const message = e.message.replace(/^[^\s]*:\d+: /, '').replace(/^The /, '');
    const invalid = /^(\w+) "([^"]*)" is invalid/.exec(message);
    const causes = e.causes.map((m) => {
      const field = fieldOf(m);
      return { reason: 'FieldValueInvalid', message: field ? m.slice(field.length + 2) : m, ...(field ? { field } : {}) };
    });
    return new StatusError(e.code === 'Invalid' ? 422 : 400, e.code === 'Invalid' ? 'Invalid' : 'BadRequest', message, {
      ...(details ?? {}), ...(invalid ? { kind: invalid[1]!, name: invalid[2]! } : {}), ...(causes.length ? { causes } : {}),
    });
  }
  if (e instanceof Error && e.name === 'UsageError') {
    return new StatusError(400, 'BadRequest', e.message.replace(/^Error from server \(BadRequest\): /, '').replace(/^error: /, ''), details);
  }
  return new StatusError(500, 'InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`, details);
}

function fieldOf(message: string): string | undefined {
  const m = /^([\w.[\]/-]+): /.exec(message);
  return m?.[1];
}
