// Object-level rules the real API server applies on every write: name validation, server-filled metadata,
// per-kind defaulting, and patch application. Pure functions, so the store stays about storage and events.

import type { KindDef } from './kinds.ts';
import { errors, StatusError } from './status.ts';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What callers may hand to create/update: any JSON object shaped like a manifest (checked at run time). */
export type ObjectInput = { [key: string]: unknown };

const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** Throws the real server's 422 for a missing or non-DNS-1123 name. */
export function validateName(k: KindDef, name: string | undefined): asserts name is string {
  if (name === undefined || name === '') {
    throw errors.invalid(k, '', [
      {
        field: 'metadata.name',
        reason: 'FieldValueRequired',
        message: 'Required value: name or generateName is required',
      },
    ]);
  }
  const label = k.nameRule === 'label';
  const ok = label ? name.length <= 63 && LABEL_RE.test(name) : name.length <= 253 && SUBDOMAIN_RE.test(name);
  if (!ok) {
    const why =
      (label && name.length > 63) || name.length > 253
        ? `must be no more than ${label ? 63 : 253} characters`
        : label
          ? LABEL_MSG
          : SUBDOMAIN_MSG;
    throw errors.invalid(k, name, [
      { field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${why}` },
    ]);
  }
}

/** RFC 3339 with seconds precision, as metav1.Time marshals. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'; // the real server's alphabet (no vowels, no look-alikes)
export function generateSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return s;
}

/** Defaulting the real server does and clients can observe (the exporter reads policyTypes, for one). */
export function applyDefaults(k: KindDef, obj: KObject): void {
  const name = obj.metadata.name ?? '';
  if (k.group === '' && k.kind === 'Namespace') {
    // Since 1.21 the API server stamps this immutable label on every namespace.
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
    const spec = isObject(obj.spec) ? obj.spec : {};
    if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
    obj.spec = spec;
  }
  if (k.group === 'networking.k8s.io' && k.kind === 'NetworkPolicy') {
    const spec = isObject(obj.spec) ? obj.spec : {};
    if (!isObject(spec.podSelector)) spec.podSelector = {};
    if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
      // Defaulted as in pkg/apis/networking/v1/defaults.go: Ingress always, Egress only when egress rules exist.
      spec.policyTypes =
        Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
    }
    obj.spec = spec;
  }
  if (k.group === '' && k.kind === 'Pod') {
    const status = isObject(obj.status) ? obj.status : {};
    if (typeof status.phase !== 'string') status.phase = 'Pending';
    obj.status = status;
  }
}

const POLICY_TYPES = ['Ingress', 'Egress'];

/**
 * Validation the real server applies after defaulting, where a client would notice it: NetworkPolicy policyTypes
 * (pkg/apis/networking/validation: at most two, each Ingress or Egress) and the BaselineAdminNetworkPolicy
 * singleton (the CRD's CEL rule `self.metadata.name == 'default'`). Throws the server's 422.
 */
export function validateObject(k: KindDef, obj: KObject): void {
  const name = obj.metadata.name ?? '';
  if (k.group === 'networking.k8s.io' && k.kind === 'NetworkPolicy') {
    const types = isObject(obj.spec) ? obj.spec.policyTypes : undefined;
    if (!Array.isArray(types)) return;
    if (types.length > POLICY_TYPES.length) {
      throw errors.invalid(k, name, [
        {
          field: 'spec.policyTypes',
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(types)}: may not specify more than two policyTypes`,
        },
      ]);
    }
    const causes = types.flatMap((t, i) =>
      typeof t === 'string' && POLICY_TYPES.includes(t)
        ? []
        : [
            {
              field: `spec.policyTypes[${i}]`,
              reason: 'FieldValueNotSupported',
              message: `Unsupported value: ${JSON.stringify(t)}: supported values: "Ingress", "Egress"`,
            },
          ],
    );
    if (causes.length > 0) throw errors.invalid(k, name, causes);
  }
  if (
    k.group === 'policy.networking.k8s.io' &&
    k.kind === 'BaselineAdminNetworkPolicy' &&
    name !== 'default'
  ) {
    throw errors.invalid(k, name, [
      {
        field: '',
        reason: 'FieldValueInvalid',
        message:
          'Invalid value: "object": Only one baseline admin network policy with metadata.name="default" can be created in the cluster',
      },
    ]);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/**
 * Strategic merge patch, simplified to a JSON merge patch with the `$patch`/`$retainKeys` style directives removed:
 * enough for kubectl annotate/label/patch on maps; list merge keys are not honoured (lists are replaced).
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  return mergePatch(target, stripDirectives(patch));
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$') || k.startsWith('$setElementOrder/')) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

/** RFC 6902 JSON patch (add, remove, replace, test, copy, move). */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw errors.badRequest('json patch must be an array of operations');
  let doc = structuredClone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw errors.badRequest('invalid json patch operation');
    }
    const path = op.path;
    switch (op.op) {
      case 'add':
        doc = setAt(doc, path, structuredClone(op.value), 'add');
        break;
      case 'replace':
        getAt(doc, path);
        doc = setAt(doc, path, structuredClone(op.value), 'replace');
        break;
      case 'remove':
        getAt(doc, path);
        doc = removeAt(doc, path);
        break;
      case 'test':
        if (!deepEqual(getAt(doc, path), op.value))
          throw new StatusError(422, 'Invalid', `testing value ${path} failed`);
        break;
      case 'copy':
      case 'move': {
        if (typeof op.from !== 'string') throw errors.badRequest(`"from" missing in ${op.op} operation`);
        const value = structuredClone(getAt(doc, op.from));
        if (op.op === 'move') doc = removeAt(doc, op.from);
        doc = setAt(doc, path, value, 'add');
        break;
      }
      default:
        throw errors.badRequest(`unexpected json patch operation "${op.op}"`);
    }
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw errors.badRequest(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const seg of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else
      throw new StatusError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: missing path ${path}`,
      );
    if (cur === undefined) throw new StatusError(422, 'Invalid', `missing path ${path}`);
  }
  return cur;
}

function parentOf(doc: unknown, path: string): { parent: unknown; last: string } {
  const segs = pointer(path);
  const last = segs.pop();
  if (last === undefined) throw errors.badRequest('cannot operate on the document root');
  const parentPath = segs.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  return { parent: getAt(doc, parentPath), last };
}

function setAt(doc: unknown, path: string, value: unknown, mode: 'add' | 'replace'): unknown {
  if (path === '') return value;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (mode === 'add') parent.splice(idx, 0, value);
    else parent[idx] = value;
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new StatusError(422, 'Invalid', `cannot set ${path}`);
  }
  return doc;
}

function removeAt(doc: unknown, path: string): unknown {
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return doc;
}
