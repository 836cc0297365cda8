// `remediate` orders its batches by what the cluster says (internet-facing first, then the priority labels, then
// the rest) and writes, beside each default deny, the allows that keep the namespace's public entry points working.
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { remediateMain } from '../../src/cli/remediate.ts';
import { runMain } from '../helpers/run.ts';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: a-prod, labels: {environment: production}}
---
apiVersion: v1
kind: Namespace
metadata: {name: m-rest}
---
apiVersion: v1
kind: Namespace
metadata: {name: z-public}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: z-public}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`;

describe('remediate: internet-facing first, and its entry points kept', () => {
  it('puts the namespace a LoadBalancer exposes first, says why, and keeps its target port open from anywhere', async () => {
    const result = await runMain(remediateMain, ['--manifests', '-'], MANIFESTS);
    expect(result.code).to.equal(0);
    const order = result.stderr.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(order).to.deep.equal([
      '1. z-public (internet-facing: load_balancer (Service z-public/web))',
      '2. a-prod (environment=production)',
      '3. m-rest',
    ]);
    expect(result.stderr).to.contain(
      '   allow-internet-to-web keeps pods app=web reachable from anywhere on TCP 8080: Service web faces the internet',
    );
    const docs = parseAllDocuments(result.stdout).map((d) => d.toJS());
    const allow = docs.find((d) => d?.metadata?.name === 'allow-internet-to-web');
    expect(allow).to.deep.include({
      metadata: {
        name: 'allow-internet-to-web',
        namespace: 'z-public',
        labels: { 'app.kubernetes.io/managed-by': 'netpol-exporter-remediate' },
      },
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Ingress'],
        ingress: [{ ports: [{ protocol: 'TCP', port: 8080 }] }],
      },
    });
    expect(result.stdout).to.match(
      /^# netpol-exporter remediate: namespace z-public, 1 of 3 in rollout order \(internet-facing: load_balancer/m,
    );
  });

  it('--ingress-controller-namespaces takes namespace names', async () => {
    const bad = await runMain(
      remediateMain,
      ['--manifests', '-', '--ingress-controller-namespaces=Not_A_Name'],
      MANIFESTS,
    );
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--ingress-controller-namespaces takes namespace names');
  });
});
