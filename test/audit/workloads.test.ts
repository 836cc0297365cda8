// The pods a repository runs, from its workloads' pod templates, and what each NetworkPolicy selects among them:
// the data behind "dangling" (a policy that covers a namespace by the letter and isolates nothing).
import { expect } from 'chai';
import {
  podLabelSets,
  policySelection,
  type Workload,
  workloadOf,
  workloadsByNamespace,
} from '../../src/audit/workloads.ts';
import { policyFacts } from '../../src/core/facts.ts';

const template = (labels: Record<string, string>) => ({ template: { metadata: { labels }, spec: {} } });

describe('workloads from manifests', () => {
  it('takes the pod labels from the template of every workload kind, a CronJob from its job template', () => {
    const objects = [
      { kind: 'Deployment', spec: template({ app: 'web' }) },
      { kind: 'StatefulSet', spec: template({ app: 'db' }) },
      { kind: 'DaemonSet', spec: template({ app: 'agent' }) },
      { kind: 'ReplicaSet', spec: template({ app: 'rs' }) },
      { kind: 'Job', spec: template({ app: 'once' }) },
      { kind: 'CronJob', spec: { jobTemplate: { spec: template({ app: 'nightly' }) } } },
      { kind: 'Pod', metadata: { name: 'debug', labels: { app: 'debug' } } },
      { kind: 'Service', spec: { selector: { app: 'web' } } },
    ].map((o, i) => ({
      object: { apiVersion: 'x', metadata: { name: `w${i}` }, ...o },
      namespace: i < 4 ? 'shop' : 'ops',
      location: `w.yaml:${i + 1}`,
    }));
    const byNamespace = workloadsByNamespace(objects);
    expect([...podLabelSets(byNamespace)]).to.deep.equal([
      ['shop', [{ app: 'web' }, { app: 'db' }, { app: 'agent' }, { app: 'rs' }]],
      ['ops', [{ app: 'once' }, { app: 'nightly' }, { app: 'debug' }]],
    ]);
    expect(byNamespace.get('ops')?.[1]).to.deep.equal({
      kind: 'CronJob',
      name: 'w5',
      namespace: 'ops',
      labels: { app: 'nightly' },
      location: 'w.yaml:6',
      pods: 1,
    });
  });

  it('has no workload for a cluster-scoped object or one without a template, and tolerates malformed ones', () => {
    expect(workloadOf({ kind: 'Deployment', spec: template({ app: 'x' }) }, '', 'a:1')).to.equal(undefined);
    expect(workloadOf({ kind: 'ConfigMap' }, 'ns', 'a:1')).to.equal(undefined);
    expect(workloadOf({ kind: 'Deployment', spec: 'nonsense' }, 'ns', 'a:1')?.labels).to.deep.equal({});
    expect(
      workloadOf({ kind: 'Deployment', spec: template({ app: 'x', n: 3 } as never) }, 'ns', 'a:1')?.labels,
    ).to.deep.equal({ app: 'x' });
  });
});

describe('what a NetworkPolicy selects among the workloads', () => {
  const workloads: Workload[] = [
    { kind: 'Deployment', name: 'web', namespace: 'shop', labels: { app: 'web' }, location: '', pods: 1 },
    { kind: 'StatefulSet', name: 'db', namespace: 'shop', labels: { app: 'db' }, location: '', pods: 1 },
  ];
  const np = (spec: object) => {
    const facts = policyFacts({ metadata: { name: 'p', namespace: 'shop' }, spec });
    if (!facts) throw new Error('no facts');
    return facts;
  };

  it('is dangling when its podSelector matches no pod of a namespace that has some', () => {
    const selection = policySelection(np({ podSelector: { matchLabels: { app: 'frontend' } } }), workloads);
    expect(selection.selected).to.deep.equal([]);
    expect(selection.isolatedPods).to.deep.equal({ ingress: 0, egress: 0 });
    expect(selection.dangling).to.equal(true);
  });

  it('counts the pods it isolates per direction of its effective policyTypes', () => {
    const selection = policySelection(
      np({ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] } }),
      workloads,
    );
    expect(selection.selected.map((w) => w.name)).to.deep.equal(['web', 'db']);
    expect(selection.isolatedPods).to.deep.equal({ ingress: 2, egress: 0 });
    expect(selection.dangling).to.equal(false);
    const egress = policySelection(np({ podSelector: {}, policyTypes: ['Egress'] }), workloads);
    expect(egress.isolatedPods).to.deep.equal({ ingress: 0, egress: 2 });
  });

  it('is not called dangling when nothing is known to select, or when the selector cannot be evaluated', () => {
    expect(policySelection(np({ podSelector: { matchLabels: { app: 'x' } } }), []).dangling).to.equal(false);
    const bad = policySelection(
      np({ podSelector: { matchExpressions: [{ key: 'app', operator: 'Matches', values: ['w.*'] }] } }),
      workloads,
    );
    expect(bad).to.include({ unknown: true, dangling: false });
  });
});
