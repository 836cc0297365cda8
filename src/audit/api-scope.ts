// Which kinds live in a namespace and which are cluster-scoped, as the API server's discovery would say. A manifest
// read offline has no discovery to ask, so the kinds a repository commonly holds are listed here; the policy
// sources answer for themselves (POLICY_SOURCES' `namespaced`). A kind in neither list is unknown.
import { POLICY_SOURCES } from '../core/sources/index.ts';

export type Scope = 'namespaced' | 'cluster';

/** API group -> kinds; the core group is ''. The version does not matter: scope is a property of the resource. */
const NAMESPACED: Record<string, readonly string[]> = {
  '': [
    'Binding',
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'PersistentVolumeClaim',
    'Pod',
    'PodTemplate',
    'ReplicationController',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  apps: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  batch: ['CronJob', 'Job'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget'],
  'networking.k8s.io': ['Ingress', 'NetworkPolicy'],
  'rbac.authorization.k8s.io': ['Role', 'RoleBinding'],
  'coordination.k8s.io': ['Lease'],
  'discovery.k8s.io': ['EndpointSlice'],
  'events.k8s.io': ['Event'],
  'storage.k8s.io': ['CSIStorageCapacity'],
  // Removed from the API long ago, but old manifests still spell them so; their namespace is still meant.
  extensions: ['DaemonSet', 'Deployment', 'Ingress', 'NetworkPolicy', 'ReplicaSet'],
  // Well-known CRDs a GitOps repository holds beside its workloads.
  'monitoring.coreos.com': [
    'Alertmanager',
    'AlertmanagerConfig',
    'PodMonitor',
    'Probe',
    'Prometheus',
    'PrometheusRule',
    'ServiceMonitor',
  ],
  'gateway.networking.k8s.io': [
    'Gateway',
    'GRPCRoute',
    'HTTPRoute',
    'ReferenceGrant',
    'TCPRoute',
    'TLSRoute',
    'UDPRoute',
  ],
  'cert-manager.io': ['Certificate', 'CertificateRequest', 'Issuer'],
  'kyverno.io': ['Policy'],
};

const CLUSTER: Record<string, readonly string[]> = {
  '': ['ComponentStatus', 'Namespace', 'Node', 'PersistentVolume'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  'admissionregistration.k8s.io': [
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'ValidatingWebhookConfiguration',
  ],
  'storage.k8s.io': ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'],
  'networking.k8s.io': ['IngressClass', 'IPAddress', 'ServiceCIDR'],
  'scheduling.k8s.io': ['PriorityClass'],
  'node.k8s.io': ['RuntimeClass'],
  'certificates.k8s.io': ['CertificateSigningRequest'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  'gateway.networking.k8s.io': ['GatewayClass'],
  'cert-manager.io': ['ClusterIssuer'],
  'kyverno.io': ['ClusterPolicy'],
};

/** `apps/v1` is group `apps`; `v1` is the core group ''. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The kind's scope, or undefined when it is not one this table or the policy sources know. */
export function scopeOf(apiVersion: string, kind: string): Scope | undefined {
  const group = groupOf(apiVersion);
  const source = POLICY_SOURCES.find(
    (s) => s.kind === kind && (s.manifestGroups as readonly string[]).includes(group),
  );
  if (source) return source.namespaced ? 'namespaced' : 'cluster';
  if (NAMESPACED[group]?.includes(kind)) return 'namespaced';
  if (CLUSTER[group]?.includes(kind)) return 'cluster';
  return undefined;
}

/** Kustomize's own files sit beside manifests in a repository; they configure a build, they are not applied. */
export function isBuildConfig(apiVersion: string, kind: string): boolean {
  return (
    groupOf(apiVersion) === 'kustomize.config.k8s.io' && (kind === 'Kustomization' || kind === 'Component')
  );
}
