// Reachability from manifests, computed from scratch: the reference the core's golden tests and the incremental
// state's property tests compare against.

import type { Direction } from '../../src/core/direction.ts';
import { listedNamespaces } from '../../src/core/exposure/other-namespaces.ts';
import { type DirectionReachability, PEER_CLASSES } from '../../src/core/exposure/peer-classes.ts';
import { namespaceReachability } from '../../src/core/exposure/reachability.ts';
import { namespaceFacts, policyFacts } from '../../src/core/facts.ts';
import { type ExtraSource, sourcePolicyFacts } from '../../src/core/sources/index.ts';
import {
  type OpaqueEffect,
  type OpaqueReach,
  strongest,
  type TierPolicy,
} from '../../src/core/sources/reader.ts';

type Obj = Record<string, unknown>;

export const ns = (name: string, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});
export const netpol = (namespace: string, name: string, spec: Obj): Obj => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec,
});
export const anp = (name: string, spec: Obj): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name },
  spec,
});
export const banp = (spec: Obj): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'BaselineAdminNetworkPolicy',
  metadata: { name: 'default' },
  spec,
});
export const cnp = (name: string, spec: Obj): Obj => ({
  apiVersion: 'policy.networking.k8s.io/v1alpha2',
  kind: 'ClusterNetworkPolicy',
  metadata: { name },
  spec,
});

const SOURCE_OF: Record<string, ExtraSource> = {
  AdminNetworkPolicy: 'adminnetworkpolicy',
  BaselineAdminNetworkPolicy: 'baselineadminnetworkpolicy',
  ClusterNetworkPolicy: 'clusternetworkpolicy',
  GlobalNetworkPolicy: 'calico_globalnetworkpolicy',
  CiliumNetworkPolicy: 'cilium_networkpolicy',
  CiliumClusterwideNetworkPolicy: 'cilium_clusterwidenetworkpolicy',
};

/** The from-scratch answer for one namespace of a cluster given as objects. */
export function reachabilityIn(objects: Obj[], name: string, pods?: Record<string, string>[]) {
  const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => namespaceFacts(o));
  const own = namespaces.find((n) => n?.name === name);
  if (!own) throw new Error(`no namespace ${name}`);
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy' && String(o.apiVersion).startsWith('networking.k8s.io'))
    .map((o) => policyFacts(o))
    .filter((p) => p?.namespace === name);
  const tiers: TierPolicy[] = [];
  const opaque: Record<Direction, OpaqueEffect> = { ingress: 'none', egress: 'none' };
  const touching: OpaqueReach[] = [];
  for (const o of objects) {
    const source = SOURCE_OF[String(o.kind)];
    if (!source) continue;
    const facts = sourcePolicyFacts(source, o);
    const exposure = facts?.exposure;
    if (!exposure) continue;
    if ('tier' in exposure) tiers.push(exposure.tier);
    else {
      const e = exposure.opaque.effectOn(own);
      for (const d of ['ingress', 'egress'] as const) opaque[d] = strongest(opaque[d], e[d]);
      if (e.ingress !== 'none' || e.egress !== 'none') touching.push(exposure.opaque);
    }
  }
  // Per pod, when every policy that touches the namespace can tell pods apart (as the incremental state does).
  const opaqueOnPod =
    touching.length > 0 && touching.every((o) => o.effectOnPod)
      ? (labels: Record<string, string> | undefined) => {
          const out: Record<Direction, OpaqueEffect> = { ingress: 'none', egress: 'none' };
          for (const o of touching) {
            const e = o.effectOnPod?.(own, labels) ?? o.effectOn(own);
            for (const d of ['ingress', 'egress'] as const) out[d] = strongest(out[d], e[d]);
          }
          return out;
        }
      : undefined;
  return namespaceReachability({
    name,
    labels: own.labels,
    policies: policies.filter((p) => p !== undefined),
    tiers,
    opaque,
    ...(opaqueOnPod ? { opaqueOnPod } : {}),
    ...(pods ? { pods } : {}),
    others: listedNamespaces(namespaces.filter((n) => n !== undefined)),
  });
}

export const SHORT = ['same', 'other', 'all', 'ip', 'any'];
/** `same=1 other=0 all=0 ip=? any=0` */
export function classes(r: DirectionReachability): string {
  return PEER_CLASSES.map((c, i) => {
    const v = r.classes[c];
    return `${SHORT[i]}=${v === true ? 1 : v === false ? 0 : '?'}`;
  }).join(' ');
}
