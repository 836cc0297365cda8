// Manifests read as kubectl reads them: typed lists whose items carry no kind (as the API server writes them), and
// a warning with file:line for everything read that cannot be used.
import { expect } from 'chai';
import { admit } from '../../src/audit/admission.ts';
import { inventoryFromManifests } from '../../src/audit/inventory.ts';
import { parseManifests } from '../../src/audit/manifests.ts';

/** What `kubectl get namespaces,networkpolicies -A -o yaml` per kind, or a tool listing one kind, writes. */
const TYPED_LISTS = `apiVersion: v1
kind: NamespaceList
metadata: {resourceVersion: "42"}
items:
  - metadata: {name: shop, labels: {team: web}}
  - metadata: {name: payroll}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicyList
items:
  - metadata: {name: deny-all, namespace: shop}
    spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: apps/v1
kind: DeploymentList
items:
  - metadata: {name: web, namespace: shop}
    spec: {template: {metadata: {labels: {app: web}}}}
`;

describe('manifests as kubectl reads them', () => {
  it("gives the items of a typed list the list's kind less List, and its apiVersion", () => {
    const warnings: string[] = [];
    const objects = parseManifests(TYPED_LISTS, 'dump.yaml', warnings);
    expect(objects.map((o) => `${o.object.apiVersion} ${o.object.kind} ${o.location}`)).to.deep.equal([
      'v1 Namespace dump.yaml:1',
      'v1 Namespace dump.yaml:1',
      'networking.k8s.io/v1 NetworkPolicy dump.yaml:8',
      'apps/v1 Deployment dump.yaml:14',
    ]);
    expect(warnings).to.deep.equal([]);
    const inventory = inventoryFromManifests(objects, ['dump.yaml']);
    expect(inventory.state.namespaceCount).to.equal(2);
    expect([...inventory.state.policiesIn('shop')].map((p) => p.name)).to.deep.equal(['deny-all']);
    expect(inventory.workloads?.get('shop')?.map((w) => w.name)).to.deep.equal(['web']);
  });

  it('keeps what an item says of itself, and leaves a plain List item without a kind to be refused, as kubectl does', () => {
    const warnings: string[] = [];
    const objects = parseManifests(
      `apiVersion: v1
kind: ConfigMapList
items:
  - {apiVersion: v1, kind: Secret, metadata: {name: s, namespace: a}}
  - {kind: ConfigMap, metadata: {name: half, namespace: a}}
---
apiVersion: v1
kind: List
items:
  - {metadata: {name: nameless-kind, namespace: a}}
  - {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: nested, namespace: a}}]}
`,
      'list.yaml',
      warnings,
    );
    expect(
      objects.map((o) => `${o.object.kind ?? '(none)'}/${o.object.apiVersion ?? '(none)'}`),
    ).to.deep.equal(['Secret/v1', 'ConfigMap/(none)', '(none)/(none)', 'ConfigMap/v1']);
    const admission = admit(objects);
    expect(admission.objects.map((o) => `${o.kind} ${o.name}`)).to.deep.equal([
      'Secret s',
      'ConfigMap nested',
    ]);
    expect(admission.warnings).to.deep.equal([
      'list.yaml:1: object half has no apiVersion; kubectl refuses it, so it is not counted',
      'list.yaml:7: object nameless-kind has no apiVersion and kind; kubectl refuses it, so it is not counted',
    ]);
  });

  it('warns, with file:line, about every document or item it reads and cannot use', () => {
    const warnings: string[] = [];
    const objects = parseManifests(
      `# only a comment: nothing read
---
just a string
---
- a
- sequence
---
apiVersion: v1
kind: NamespaceList
items: [7, null, {metadata: {name: fine}}]
`,
      'odd.yaml',
      warnings,
    );
    expect(objects).to.have.length(1);
    expect(warnings).to.deep.equal([
      'odd.yaml:3: the document is a string, not a Kubernetes object (a mapping); not counted',
      'odd.yaml:5: the document is a sequence, not a Kubernetes object (a mapping); not counted',
      'odd.yaml:8: item 0 of NamespaceList is a number, not a Kubernetes object (a mapping); not counted',
      'odd.yaml:8: item 1 of NamespaceList is empty; not counted',
    ]);
  });

  it('reads a kind named like a property every JavaScript object has (constructor, toString) as any other kind', () => {
    const objects = parseManifests(
      `apiVersion: v1
kind: constructor
metadata: {name: odd, namespace: shop}
---
apiVersion: v1
kind: toString
metadata: {name: odder, namespace: shop}
`,
      'odd-kinds.yaml',
    );
    expect(objects.map((o) => o.object.kind)).to.deep.equal(['constructor', 'toString']);
  });

  it('counts in one line the cluster-scoped objects and kustomize files it reads and does not use', () => {
    const objects = parseManifests(
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [a.yaml]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: writer}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
`,
      'repo.yaml',
    );
    const { warnings } = inventoryFromManifests(objects, ['repo.yaml']);
    expect(warnings).to.deep.equal([
      'repo.yaml:1: 1 kustomize file (this one first): build configuration, not applied; not counted (render ' +
        'with `kubectl kustomize` and audit the output, or the namespace an overlay sets is missed)',
      'repo.yaml:5: 3 cluster-scoped objects (2 ClusterRole, 1 ClusterRoleBinding; this one first) name no ' +
        'namespace and no network policy; read and not counted',
    ]);
  });
});
