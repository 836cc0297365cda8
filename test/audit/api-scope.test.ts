// Which kinds are namespaced: the table the manifests path uses in place of discovery agrees with the policy
// source registry and with the kinds the simulated API server serves.
import { KINDS } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { scopeOf } from '../../src/audit/api-scope.ts';
import { POLICY_SOURCES } from '../../src/core/sources/index.ts';

describe('scope of a manifest kind', () => {
  it('agrees with the simulated API server on every kind it serves', () => {
    for (const k of KINDS) {
      const apiVersion = k.group === '' ? k.version : `${k.group}/${k.version}`;
      expect(scopeOf(apiVersion, k.kind), `${apiVersion} ${k.kind}`).to.equal(
        k.namespaced ? 'namespaced' : 'cluster',
      );
    }
  });

  it('takes the policy sources from their registry rows, under every API group a manifest may spell', () => {
    for (const s of POLICY_SOURCES)
      for (const group of s.manifestGroups)
        expect(scopeOf(`${group}/v9`, s.kind), `${group} ${s.kind}`).to.equal(
          s.namespaced ? 'namespaced' : 'cluster',
        );
  });

  it('knows the kinds an application repository commonly holds, whatever their version', () => {
    const namespaced = [
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'StatefulSet'],
      ['apps/v1', 'DaemonSet'],
      ['batch/v1', 'CronJob'],
      ['v1', 'Secret'],
      ['v1', 'ServiceAccount'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['networking.k8s.io/v1', 'Ingress'],
      ['v1', 'PersistentVolumeClaim'],
      ['autoscaling/v2', 'HorizontalPodAutoscaler'],
      ['policy/v1', 'PodDisruptionBudget'],
      ['monitoring.coreos.com/v1', 'ServiceMonitor'],
    ];
    const cluster = [
      ['v1', 'Namespace'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
      ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
      ['storage.k8s.io/v1', 'StorageClass'],
      ['v1', 'PersistentVolume'],
      ['networking.k8s.io/v1', 'IngressClass'],
      ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'],
    ];
    for (const [v, k] of namespaced) expect(scopeOf(v as string, k as string), k).to.equal('namespaced');
    for (const [v, k] of cluster) expect(scopeOf(v as string, k as string), k).to.equal('cluster');
    expect(scopeOf('example.com/v1', 'Widget')).to.equal(undefined);
    // The kind decides within its group: a Deployment of another group is not apps' Deployment.
    expect(scopeOf('example.com/v1', 'Deployment')).to.equal(undefined);
  });
});
