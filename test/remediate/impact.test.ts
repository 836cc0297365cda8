// What a remediation takes away, per workload, before anything is written: allows are a union, so only traffic a
// pod has today (no policy isolates it for that direction) can be lost, and only what the new rules do not allow.
import { expect } from 'chai';
import { type PolicyFacts, policyFacts } from '../../src/core/facts.ts';
import { type AffectedWorkload, remediationImpact } from '../../src/remediate/impact.ts';
import { type RemediationOptions, remediationPolicies } from '../../src/remediate/policies.ts';
import { remediationOptions } from '../helpers/remediation.ts';

const workload = (name: string, labels: Record<string, string>): AffectedWorkload => ({
  kind: 'Deployment',
  name,
  labels,
  pods: 1,
  location: `${name}.yaml:1`,
});
const loses = (current: PolicyFacts[], ns: string, o: RemediationOptions, workloads: AffectedWorkload[]) =>
  Object.fromEntries(
    remediationImpact(current, remediationPolicies(ns, o), workloads).map((l) => [l.workload.name, l.loses]),
  );

describe('remediation impact', () => {
  const web = workload('web', { app: 'web' });
  const db = workload('db', { app: 'db' });

  it('a default deny takes all ingress and all egress but DNS from a pod nothing isolates today', () => {
    expect(loses([], 'shop', remediationOptions(), [web])).to.deep.equal({
      web: {
        ingress: 'all ingress',
        egress: 'all egress except to pods k8s-app=kube-dns in kube-system on UDP/TCP 53',
      },
    });
    expect(loses([], 'shop', remediationOptions({ allowDns: false }), [web]).web?.egress).to.equal(
      'all egress',
    );
  });

  it('takes nothing for a direction a policy already isolates the pod for: its allows still hold', () => {
    const dbIngress = policyFacts({
      metadata: { name: 'db-from-web', namespace: 'shop' },
      spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: {} }] }] },
    });
    if (!dbIngress) throw new Error('no facts');
    const result = loses([dbIngress], 'shop', remediationOptions(), [web, db]);
    expect(result.db).to.deep.equal({
      ingress: undefined,
      egress: 'all egress except to pods k8s-app=kube-dns in kube-system on UDP/TCP 53',
    });
    expect(result.web?.ingress).to.equal('all ingress');
  });

  it("same-namespace keeps the namespace's own traffic", () => {
    expect(loses([], 'shop', remediationOptions({ mode: 'same-namespace' }), [web])).to.deep.equal({
      web: {
        ingress: 'all ingress except from its own namespace',
        egress:
          'all egress except to its own namespace; to pods k8s-app=kube-dns in kube-system on UDP/TCP 53',
      },
    });
  });

  it('in the DNS namespace, the DNS pods keep DNS ingress from everywhere and all their egress', () => {
    const dns = workload('coredns', { 'k8s-app': 'kube-dns' });
    const other = workload('metrics-server', { 'k8s-app': 'metrics-server' });
    expect(loses([], 'kube-system', remediationOptions(), [dns, other])).to.deep.equal({
      coredns: { ingress: 'all ingress except from every namespace on UDP/TCP 53', egress: undefined },
      'metrics-server': {
        ingress: 'all ingress',
        egress: 'all egress except to pods k8s-app=kube-dns in kube-system on UDP/TCP 53',
      },
    });
  });
});
