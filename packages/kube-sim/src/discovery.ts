// Plain-JSON discovery documents (/version, /api, /apis, per group and group/version). kubectl asks for aggregated
// discovery first; answering with the plain documents and `Content-Type: application/json` makes it fall back.

import type { KindDef, KindRegistry } from './kinds.ts';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0+netpol-simulator',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]): Record<string, unknown> {
  const gvs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(kinds: KindRegistry): Record<string, unknown> {
  const groups = [...kinds.groups()].filter(([g]) => g !== '').map(([g, vs]) => groupDoc(g, vs));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(kinds: KindRegistry, group: string): Record<string, unknown> | undefined {
  const versions = kinds.groups().get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group, versions) };
}

export function apiResourceList(
  kinds: KindRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const served = kinds.enabled.filter((k) => k.group === group && k.version === version);
  if (served.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: served.map(resourceDoc),
  };
}

function resourceDoc(k: KindDef): Record<string, unknown> {
  return {
    name: k.resource,
    singularName: k.singular,
    namespaced: k.namespaced,
    kind: k.kind,
    verbs: VERBS,
    ...(k.shortNames ? { shortNames: [...k.shortNames] } : {}),
  };
}
