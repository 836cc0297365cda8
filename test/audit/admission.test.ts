// Manifests read the way the API server would admit them: where each object lands (as kubectl apply places it),
// the Namespace name label, and the objects a cluster refuses, each with one warning naming file:line.
import { expect } from 'chai';
import { admit } from '../../src/audit/admission.ts';
import type { ManifestObject } from '../../src/audit/manifests.ts';

let line = 0;
const at = (object: Record<string, unknown>): ManifestObject => ({ object, location: `m.yaml:${++line}` });
const obj = (apiVersion: string, kind: string, name: string, namespace?: string, rest: object = {}) =>
  at({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest });
const policy = (
  name: string,
  namespace: string | undefined,
  spec: object,
  apiVersion = 'networking.k8s.io/v1',
) => obj(apiVersion, 'NetworkPolicy', name, namespace, { spec });

const placed = (objects: ManifestObject[], namespace?: string) =>
  admit(objects, namespace ? { namespace } : {}).objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`);

describe('admission of manifests', () => {
  beforeEach(() => {
    line = 0;
  });

  it('puts every namespaced object without a namespace where kubectl apply would: default, or --namespace', () => {
    const app = [
      obj('apps/v1', 'Deployment', 'web'),
      obj('v1', 'Service', 'web'),
      obj('v1', 'ConfigMap', 'settings', 'config'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader', 'ignored'),
      obj('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', 'deny', 'ignored'),
      obj('cilium.io/v2', 'CiliumNetworkPolicy', 'l7'),
    ];
    expect(placed(app)).to.deep.equal([
      'Deployment default/web',
      'Service default/web',
      'ConfigMap config/settings',
      'ClusterRole /reader',
      'GlobalNetworkPolicy /deny',
      'CiliumNetworkPolicy default/l7',
    ]);
    const { warnings } = admit(app);
    expect(warnings).to.deep.equal([
      'm.yaml:1: 3 namespaced objects have no metadata.namespace (this one first); counted in "default", where ' +
        'kubectl apply puts them (--namespace chooses another)',
    ]);
    expect(placed(app.slice(0, 2), 'shop')).to.deep.equal(['Deployment shop/web', 'Service shop/web']);
    expect(admit(app.slice(0, 2), { namespace: 'shop' }).warnings).to.deep.equal([]);
  });

  it('refuses, as kubectl apply -n does, an object whose namespace differs from --namespace', () => {
    const result = admit([obj('v1', 'ConfigMap', 'a', 'other'), obj('v1', 'ConfigMap', 'b')], {
      namespace: 'shop',
    });
    expect(result.objects.map((o) => `${o.namespace}/${o.name}`)).to.deep.equal(['shop/b']);
    expect(result.warnings).to.deep.equal([
      'm.yaml:1: ConfigMap other/a: its namespace differs from --namespace shop; kubectl apply -n shop refuses ' +
        'it, so it protects nothing',
    ]);
    // The namespace it names is still one to check: the repository means to deploy there.
    expect([...result.refusedIn]).to.deep.equal([['other', 'm.yaml:1']]);
  });

  it('counts a kind of unknown scope only when it names a namespace; without one it warns', () => {
    const result = admit([
      obj('example.com/v1', 'Widget', 'w'),
      obj('example.com/v1', 'Gadget', 'g', 'team'),
      at({ replicaCount: 2 }), // a Helm values file: not a Kubernetes object at all
      obj('kustomize.config.k8s.io/v1beta1', 'Kustomization', ''),
    ]);
    expect(result.objects.map((o) => `${o.kind} ${o.namespace}`)).to.deep.equal(['Gadget team']);
    // Read and not used: each says so, never silence.
    expect(result.warnings).to.deep.equal([
      'm.yaml:1: Widget w (example.com/v1) has no metadata.namespace and is not a kind known to be namespaced or ' +
        'cluster-scoped; not counted (give it a metadata.namespace if it is namespaced)',
      'm.yaml:3: an object has no apiVersion and kind; kubectl refuses it, so it is not counted',
      'm.yaml:4: 1 kustomize file (this one first): build configuration, not applied; not counted (render with ' +
        '`kubectl kustomize` and audit the output, or the namespace an overlay sets is missed)',
    ]);
  });

  it('sets kubernetes.io/metadata.name on every Namespace to its name, whatever the manifest says, and says so', () => {
    const result = admit([
      at({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-b', team: 'a' } },
      }),
      obj('v1', 'Namespace', 'plain'),
    ]);
    const labels = result.objects.map((o) => (o.object.metadata as { labels: object }).labels);
    expect(labels).to.deep.equal([
      { 'kubernetes.io/metadata.name': 'team-a', team: 'a' },
      { 'kubernetes.io/metadata.name': 'plain' },
    ]);
    expect(result.warnings).to.deep.equal([
      'm.yaml:1: Namespace team-a: label kubernetes.io/metadata.name is "team-b" here, but the API server always ' +
        'sets it to "team-a"; selectors see "team-a"',
    ]);
  });

  it('refuses what the API server refuses, one warning each with file:line, and keeps their namespaces to check', () => {
    const result = admit([
      policy('typo', 'a', { podSelector: {}, policyTypes: ['Ingress', 'egress'] }),
      policy('three', 'a', { podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] }),
      policy('old', 'b', { podSelector: {} }, 'networking.k8s.io/v1beta1'),
      policy('older', 'c', { podSelector: {} }, 'extensions/v1beta1'),
      obj('policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', 'baseline'),
      obj('policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', 'default'),
      obj('v1', 'Namespace', 'Bad_Name'),
      obj('v1', 'ConfigMap', ''),
      policy('fine', 'a', { podSelector: {}, policyTypes: ['Egress'] }),
    ]);
    expect(result.objects.map((o) => `${o.kind} ${o.name}`)).to.deep.equal([
      'BaselineAdminNetworkPolicy default',
      'NetworkPolicy fine',
    ]);
    expect(result.warnings).to.deep.equal([
      'm.yaml:1: NetworkPolicy a/typo: spec.policyTypes[1]: Unsupported value: "egress": supported values: ' +
        '"Ingress", "Egress"; a cluster refuses it, so it protects nothing',
      'm.yaml:2: NetworkPolicy a/three: spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not ' +
        'specify more than two policyTypes; a cluster refuses it, so it protects nothing',
      'm.yaml:3: NetworkPolicy b/old: networking.k8s.io/v1beta1 is not served (NetworkPolicy is ' +
        'networking.k8s.io/v1); a cluster refuses it, so it protects nothing',
      'm.yaml:4: NetworkPolicy c/older: extensions/v1beta1 is not served (NetworkPolicy is networking.k8s.io/v1); ' +
        'a cluster refuses it, so it protects nothing',
      'm.yaml:5: BaselineAdminNetworkPolicy baseline: Only one baseline admin network policy with ' +
        'metadata.name="default" can be created in the cluster; a cluster refuses it, so it protects nothing',
      'm.yaml:7: Namespace Bad_Name: metadata.name: Invalid value: "Bad_Name": a namespace name must be a ' +
        'lowercase RFC 1123 label; a cluster refuses it, so it protects nothing',
      'm.yaml:8: ConfigMap default/(no name): metadata.name is required; a cluster refuses it, so it protects nothing',
      'm.yaml:8: 1 namespaced object has no metadata.namespace (this one first); counted in "default", where ' +
        'kubectl apply puts them (--namespace chooses another)',
    ]);
    expect([...result.refusedIn.keys()]).to.deep.equal(['a', 'b', 'c', 'default']);
  });

  it('keeps the later of two objects with the same kind, namespace and name, as kubectl apply does, and warns', () => {
    const result = admit([
      policy('deny', 'a', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      policy('deny', 'b', { podSelector: {} }),
      obj('v1', 'ConfigMap', 'deny', 'a'),
      policy('deny', 'a', { podSelector: {}, policyTypes: ['Ingress'] }),
      // One Calico resource spelt by two API groups (the CRD's and the Calico API server's) is one object.
      obj('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', 'g'),
      obj('projectcalico.org/v3', 'GlobalNetworkPolicy', 'g'),
    ]);
    expect(
      result.objects.map((o) => `${o.apiVersion} ${o.kind} ${o.namespace}/${o.name} ${o.location}`),
    ).to.deep.equal([
      'networking.k8s.io/v1 NetworkPolicy a/deny m.yaml:4',
      'networking.k8s.io/v1 NetworkPolicy b/deny m.yaml:2',
      'v1 ConfigMap a/deny m.yaml:3',
      'projectcalico.org/v3 GlobalNetworkPolicy /g m.yaml:6',
    ]);
    expect(result.warnings).to.deep.equal([
      'm.yaml:4: NetworkPolicy a/deny is also defined at m.yaml:1; the later one wins, as kubectl apply would ' +
        'make it (the one at m.yaml:1 protects nothing)',
      'm.yaml:6: GlobalNetworkPolicy g is also defined at m.yaml:5; the later one wins, as kubectl apply would ' +
        'make it (the one at m.yaml:5 protects nothing)',
    ]);
  });

  it('keeps every warning on one line, whatever a manifest puts in a name or an apiVersion', () => {
    const result = admit([
      obj('example.com/v1\nevil', 'Widget', 'a\nb'),
      obj('apps/v1\u2028', 'Deployment', 'web', 'shop'),
    ]);
    expect(result.warnings).to.have.length(2);
    for (const w of result.warnings) expect(w).not.to.match(/[\n\r\u2028]/);
  });
});
