// metav1.Status bodies exactly as kube-apiserver writes them, so clients' error handling (client-go, kubectl,
// client-node's ApiException) sees what it would see in production.

import type { KindDef } from './kinds.ts';
import { kindKey } from './kinds.ts';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failure carrying the Status the real server would answer; thrown by the store so HTTP and programmatic callers
 * fail identically. */
export class StatusError extends Error {
  readonly status: StatusBody;
  /** Extra response headers (Retry-After). */
  readonly headers: Record<string, string>;

  constructor(
    code: number,
    reason: string,
    message: string,
    details?: StatusDetails,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'StatusError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
    this.headers = headers;
  }

  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

function detailsFor(k: KindDef, name: string): StatusDetails {
  return k.group === '' ? { name, kind: k.resource } : { name, group: k.group, kind: k.resource };
}

export const errors = {
  notFound(k: KindDef, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${kindKey(k)} "${name}" not found`, detailsFor(k, name));
  },
  namespaceNotFound(name: string): StatusError {
    return new StatusError(404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' });
  },
  pathNotFound(): StatusError {
    return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  alreadyExists(k: KindDef, name: string): StatusError {
    return new StatusError(
      409,
      'AlreadyExists',
      `${kindKey(k)} "${name}" already exists`,
      detailsFor(k, name),
    );
  },
  conflict(k: KindDef, name: string): StatusError {
    return new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${kindKey(k)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      detailsFor(k, name),
    );
  },
  invalid(
    k: KindDef,
    name: string,
    causes: { field: string; message: string; reason: string }[],
  ): StatusError {
    const what = k.group === '' ? k.kind : `${k.kind}.${k.group}`;
    // A rule on the whole object (a CRD's CEL rule) has no field: the server prints `<nil>` there.
    const list = causes.map((c) => `${c.field || '<nil>'}: ${c.message}`);
    const message = `${what} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
    return new StatusError(422, 'Invalid', message, {
      name,
      ...(k.group === '' ? {} : { group: k.group }),
      kind: k.kind,
      causes: causes.map((c) => ({
        reason: c.reason,
        message: c.message,
        ...(c.field ? { field: c.field } : {}),
      })),
    });
  },
  namespaceTerminating(k: KindDef, name: string, namespace: string): StatusError {
    return new StatusError(
      403,
      'Forbidden',
      `${kindKey(k)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      {
        ...detailsFor(k, name),
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    );
  },
  badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  },
  unauthorized(): StatusError {
    return new StatusError(401, 'Unauthorized', 'Unauthorized');
  },
  forbidden(
    user: string,
    verb: string,
    k: KindDef,
    namespace: string | undefined,
    name: string | undefined,
  ): StatusError {
    const subject = name ? `${kindKey(k)} "${name}"` : kindKey(k);
    const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
    return new StatusError(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${user}" cannot ${verb} resource "${k.resource}" in API group "${k.group}" ${scope}`,
      { ...(name ? { name } : {}), ...(k.group === '' ? {} : { group: k.group }), kind: k.resource },
    );
  },
  methodNotAllowed(): StatusError {
    return new StatusError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
      {},
    );
  },
  unsupportedMediaType(contentType: string): StatusError {
    return new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got "${contentType}")`,
    );
  },
  expired(message: string): StatusError {
    return new StatusError(410, 'Expired', message);
  },
  internal(message = 'Internal error occurred: simulated failure'): StatusError {
    return new StatusError(500, 'InternalError', message, { causes: [{ reason: '', message }] });
  },
  serviceUnavailable(retryAfterSeconds: number): StatusError {
    return new StatusError(
      503,
      'ServiceUnavailable',
      'the server is currently unable to handle the request',
      { retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  },
  /** A watch from a resourceVersion the store has not reached (etcd restored from a backup): apiserver's storage error. */
  tooLargeResourceVersion(requested: number, current: number): StatusError {
    return new StatusError(
      504,
      'Timeout',
      `Timeout: Too large resource version: ${requested}, current: ${current}`,
      {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      },
      { 'Retry-After': '1' },
    );
  },
  tooManyRequests(retryAfterSeconds: number): StatusError {
    return new StatusError(
      429,
      'TooManyRequests',
      'Too many requests, please try again later.',
      { retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  },
};
