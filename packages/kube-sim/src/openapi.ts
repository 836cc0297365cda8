// Just enough OpenAPI for kubectl: `create -f`/`apply` ask whether the server supports the fieldValidation query
// parameter by reading the PATCH operations (tagged x-kubernetes-group-version-kind) in /openapi/v3. When it finds
// support it lets the server validate and does not download the full schema for client-side validation.

import { createHash } from 'node:crypto';
import type { KindDef, KindRegistry } from './kinds.ts';
import { groupVersionPath } from './kinds.ts';

function gvKey(k: Pick<KindDef, 'group' | 'version'>): string {
  return groupVersionPath(k).slice(1); // 'api/v1' or 'apis/networking.k8s.io/v1'
}

export function openApiV3Index(kinds: KindRegistry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const k of kinds.enabled) {
    const key = gvKey(k);
    const hash = createHash('sha256')
      .update(JSON.stringify(openApiV3GroupVersion(kinds, key)))
      .digest('hex');
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash.slice(0, 32).toUpperCase()}` };
  }
  return { paths };
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

export function openApiV3GroupVersion(kinds: KindRegistry, gv: string): Record<string, unknown> | undefined {
  const served = kinds.enabled.filter((k) => gvKey(k) === gv);
  if (served.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const k of served) {
    const gvk = { group: k.group, version: k.version, kind: k.kind };
    const base = `/${gv}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.resource}`;
    const op = (action: string) => ({
      operationId: `${action}${k.kind}`,
      parameters: QUERY_PARAMS,
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[base] = { get: op('list'), post: op('post') };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
    const schemaName = `${k.group === '' ? 'io.k8s.api.core' : k.group}.${k.version}.${k.kind}`;
    schemas[schemaName] = {
      type: 'object',
      'x-kubernetes-group-version-kind': [gvk],
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}

/** kubectl falls back to v2 only if v3 is missing; an empty but well-formed document keeps any such path quiet. */
export function openApiV2(_kinds: KindRegistry): Record<string, unknown> {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: {} };
}
