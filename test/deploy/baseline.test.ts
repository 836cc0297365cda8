// deploy/baseline: the Kyverno ClusterPolicy that gives every new namespace a default deny. No Kyverno runs here,
// so this checks what can be checked offline: kustomize renders it, its shape is what Kyverno's ClusterPolicy CRD
// (kyverno.io/v1) accepts, each generated object is a valid NetworkPolicy, and what it would generate makes a new
// namespace covered with a default deny both ways by this project's own core.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { parseAllDocuments } from 'yaml';
import { namespaceFacts, policyFacts } from '../../src/core/facts.ts';
import { namespaceVerdict } from '../../src/core/verdict.ts';
import { ROOT } from '../helpers/exporter.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML walked by shape; every access is asserted
type Obj = Record<string, any>;

// Field names of Kyverno's ClusterPolicy CRD (kyverno.io/v1, Kyverno 1.10 to 1.13) at the levels used here:
// anything else is a typo Kyverno's schema validation would reject or silently drop.
const SPEC_FIELDS = [
  'admission',
  'applyRules',
  'background',
  'emitWarning',
  'failurePolicy',
  'generateExisting',
  'mutateExistingOnPolicyUpdate',
  'rules',
  'schemaValidation',
  'useServerSideApply',
  'validationFailureAction',
  'validationFailureActionOverrides',
  'webhookConfiguration',
  'webhookTimeoutSeconds',
];
const RULE_FIELDS = [
  'celPreconditions',
  'context',
  'exclude',
  'generate',
  'imageExtractors',
  'match',
  'mutate',
  'name',
  'preconditions',
  'reportProperties',
  'skipBackgroundRequests',
  'validate',
  'verifyImages',
];
const GENERATE_FIELDS = [
  'apiVersion',
  'clone',
  'cloneList',
  'data',
  'foreach',
  'generateExisting',
  'kind',
  'name',
  'namespace',
  'orphanDownstreamOnPolicyDelete',
  'synchronize',
  'uid',
];
const RESOURCE_FILTER_FIELDS = [
  'annotations',
  'kinds',
  'name',
  'names',
  'namespaceSelector',
  'namespaces',
  'operations',
  'selector',
];

function render(): Obj[] {
  const text = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/baseline')], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS() as Obj);
}

function keysWithin(obj: Obj, allowed: string[], where: string): void {
  for (const key of Object.keys(obj)) expect(allowed, `${where}: unknown field ${key}`).to.include(key);
}

/** Kyverno's match/exclude for a Namespace: `any` of the filters, each filter's kinds, names and selector. */
function filterMatches(filter: Obj, ns: { name: string; labels: Record<string, string> }): boolean {
  const r = filter.resources as Obj;
  if (r.kinds && !r.kinds.includes('Namespace')) return false;
  if (r.names && !r.names.includes(ns.name)) return false;
  const labels = (r.selector?.matchLabels ?? {}) as Record<string, string>;
  return Object.entries(labels).every(([k, v]) => ns.labels[k] === v);
}

function generatedFor(policy: Obj, ns: { name: string; labels: Record<string, string> }): Obj[] {
  return (policy.spec.rules as Obj[])
    .filter((rule) => rule.match.any.some((f: Obj) => filterMatches(f, ns)))
    .filter((rule) => !(rule.exclude?.any ?? []).some((f: Obj) => filterMatches(f, ns)))
    .map((rule) => {
      const g = rule.generate as Obj;
      return {
        apiVersion: g.apiVersion,
        kind: g.kind,
        ...g.data,
        metadata: { ...(g.data.metadata ?? {}), name: g.name, namespace: ns.name },
      };
    });
}

describe('deploy/baseline (Kyverno ClusterPolicy)', () => {
  const objects = render();
  const policy = objects.find((o) => o.kind === 'ClusterPolicy') as Obj;

  it('renders with kubectl kustomize into the ClusterPolicy and the RBAC Kyverno needs', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).to.deep.equal([
      'ClusterPolicy/netpol-baseline-default-deny',
      'ClusterRole/kyverno:netpol-baseline:admission',
      'ClusterRole/kyverno:netpol-baseline:background',
    ]);
    for (const role of objects.filter((o) => o.kind === 'ClusterRole')) {
      expect(() => new ClusterRole(role as never).validate()).not.to.throw();
      expect(Object.keys(role.metadata.labels)[0]).to.match(
        /^rbac\.kyverno\.io\/aggregate-to-(admission|background)-controller$/,
      );
      expect(role.rules).to.deep.equal([
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['networkpolicies'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ]);
    }
  });

  it("has the shape of Kyverno's ClusterPolicy: known fields, named rules, match/exclude/generate", () => {
    expect(policy.apiVersion).to.equal('kyverno.io/v1');
    expect(policy.metadata.namespace).to.equal(undefined);
    keysWithin(policy.spec, SPEC_FIELDS, 'spec');
    expect(policy.spec.rules).to.have.length(2);
    for (const rule of policy.spec.rules as Obj[]) {
      keysWithin(rule, RULE_FIELDS, `rule ${rule.name}`);
      expect(rule.name).to.match(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(rule.name.length).to.be.at.most(63);
      for (const block of ['match', 'exclude']) {
        expect(Object.keys(rule[block]), `${rule.name}.${block}`).to.deep.equal(['any']);
        for (const filter of rule[block].any as Obj[]) {
          expect(Object.keys(filter)).to.deep.equal(['resources']);
          keysWithin(filter.resources, RESOURCE_FILTER_FIELDS, `${rule.name}.${block}.resources`);
          expect(filter.resources.kinds).to.deep.equal(['Namespace']);
        }
      }
      const g = rule.generate as Obj;
      keysWithin(g, GENERATE_FIELDS, `${rule.name}.generate`);
      expect(g).to.include({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        namespace: '{{request.object.metadata.name}}',
        synchronize: true,
      });
      // data and clone are mutually exclusive in Kyverno.
      expect(g.clone).to.equal(undefined);
      expect(g.data).to.be.an('object');
    }
  });

  it('generates valid NetworkPolicies that make a new namespace covered with a default deny both ways', () => {
    const ns = { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } };
    const generated = generatedFor(policy, ns);
    expect(generated.map((p) => p.metadata.name)).to.deep.equal(['default-deny-all', 'allow-dns-egress']);
    for (const p of generated) expect(() => new NetworkPolicy(p as never).validate()).not.to.throw();
    const facts = namespaceFacts({ metadata: { name: 'team-a' } });
    if (!facts) throw new Error('no facts');
    const verdict = namespaceVerdict(
      facts,
      generated.map((p) => policyFacts(p)).filter((f) => f !== undefined),
    );
    expect(verdict).to.deep.include({
      covered: true,
      policies: 2,
      defaultDeny: { ingress: true, egress: true },
    });
  });

  it('skips the cluster namespaces, Kyverno, and namespaces labelled netpol-exporter.io/baseline=skip', () => {
    for (const name of ['kube-system', 'kube-public', 'kube-node-lease', 'kyverno'])
      expect(generatedFor(policy, { name, labels: {} }), name).to.deep.equal([]);
    expect(
      generatedFor(policy, { name: 'lab', labels: { 'netpol-exporter.io/baseline': 'skip' } }),
    ).to.deep.equal([]);
    expect(
      generatedFor(policy, { name: 'lab', labels: { 'netpol-exporter.io/baseline': 'keep' } }),
    ).to.have.length(2);
  });
});
