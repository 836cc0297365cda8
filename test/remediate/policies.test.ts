// The policies remediate writes, judged by the project's own core: what each one selects and allows. The namespace
// that serves DNS always keeps DNS open to every namespace, whatever else it gets.
import { expect } from 'chai';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { policyFacts } from '../../src/core/facts.ts';
import { isolates } from '../../src/core/pod-isolation.ts';
import { isDefaultDeny } from '../../src/core/verdict.ts';
import { type RemediationOptions, remediationPolicies } from '../../src/remediate/policies.ts';
import { remediationOptions } from '../helpers/remediation.ts';

const names = (ns: string, o: RemediationOptions) => remediationPolicies(ns, o).map((p) => p.metadata.name);

describe('remediation policies', () => {
  it('are valid NetworkPolicies in every mode, in a DNS namespace or not', () => {
    for (const mode of ['deny-all', 'same-namespace'] as const)
      for (const ns of ['shop', 'kube-system'])
        for (const p of remediationPolicies(ns, remediationOptions({ mode })))
          expect(
            () => new NetworkPolicy(p as never).validate(),
            `${mode} ${ns} ${p.metadata.name}`,
          ).not.to.throw();
  });

  it('deny-all: a default deny both ways and the DNS egress allow', () => {
    expect(names('shop', remediationOptions())).to.deep.equal(['default-deny-all', 'allow-dns-egress']);
    const deny = policyFacts(remediationPolicies('shop', remediationOptions())[0]);
    expect(deny && isDefaultDeny(deny, 'ingress') && isDefaultDeny(deny, 'egress')).to.equal(true);
    expect(names('shop', remediationOptions({ allowDns: false }))).to.deep.equal(['default-deny-all']);
  });

  it('same-namespace: every pod isolated both ways, allowed only its own namespace (no default deny yet)', () => {
    const [same] = remediationPolicies('shop', remediationOptions({ mode: 'same-namespace' }));
    expect(same?.metadata.name).to.equal('allow-same-namespace');
    expect(same?.spec).to.deep.equal({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    const facts = policyFacts(same);
    expect(
      facts && isolates(facts, { app: 'any' }, 'ingress') && isolates(facts, { app: 'any' }, 'egress'),
    ).to.equal(true);
    expect(facts && isDefaultDeny(facts, 'ingress')).to.equal(false);
  });

  it('in the namespace that serves DNS: DNS ingress from every namespace and the DNS pods egress, even without --allow-dns', () => {
    for (const o of [
      remediationOptions(),
      remediationOptions({ allowDns: false }),
      remediationOptions({ mode: 'same-namespace' }),
    ]) {
      const policies = remediationPolicies('kube-system', o);
      const ingress = policies.find((p) => p.metadata.name === 'allow-dns-ingress');
      expect(ingress?.spec).to.deep.equal({
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: {} }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      });
      const egress = policies.find((p) => p.metadata.name === 'allow-dns-server-egress');
      expect(egress?.spec).to.deep.equal({
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        policyTypes: ['Egress'],
        egress: [{}],
      });
    }
    // Where the DNS runs is configuration: the namespace that serves it, not kube-system by name.
    expect(names('kube-system', remediationOptions({ dnsNamespaces: ['dns'] }))).to.deep.equal([
      'default-deny-all',
      'allow-dns-egress',
    ]);
    const egress = remediationPolicies('shop', remediationOptions({ dnsNamespaces: ['dns', 'node-dns'] }))[1];
    expect((egress?.spec.egress as { to: unknown[] }[] | undefined)?.[0]?.to).to.have.length(2);
  });
});
