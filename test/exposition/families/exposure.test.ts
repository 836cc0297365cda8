// Golden text for the exposure families: ten reachable series per namespace (zeros included), the unknown flag
// per direction, and the undone default deny; the whole passes promtool.
import { expect } from 'chai';
import { listedNamespaces } from '../../../src/core/exposure/other-namespaces.ts';
import { namespaceReachability } from '../../../src/core/exposure/reachability.ts';
import { namespaceFacts, policyFacts } from '../../../src/core/facts.ts';
import { exposureFamilies } from '../../../src/exposition/families/exposure.ts';
import { RenderedStore } from '../../../src/exposition/rendered-store.ts';
import { promtoolCheck } from '../../helpers/exposition-check.ts';
import { netpol, ns } from '../../helpers/reachability.ts';

describe('exposure families', () => {
  it('renders every class and direction, the unknown flag and the undone deny', () => {
    const shop = namespaceFacts(ns('shop')) as NonNullable<ReturnType<typeof namespaceFacts>>;
    const policies = [
      netpol('shop', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      netpol('shop', 'allow-all', { podSelector: {}, ingress: [{}] }),
      netpol('shop', 'egress-odd', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: 'k', operator: 'Like' }] } }] }],
      }),
    ].map((p) => policyFacts(p) as NonNullable<ReturnType<typeof policyFacts>>);
    const store = new RenderedStore(exposureFamilies);
    store.set(
      'shop',
      namespaceReachability({
        name: 'shop',
        labels: shop.labels,
        policies,
        tiers: [],
        others: listedNamespaces([shop]),
      }),
    );
    expect(store.text()).to.equal(
      [
        '# HELP netpol_namespace_reachable Under the policies in force, 1 when at least one pod of the namespace can receive traffic from (direction="ingress") or send traffic to (direction="egress") a peer of the class, else 0.',
        '# TYPE netpol_namespace_reachable gauge',
        'netpol_namespace_reachable{namespace="shop",direction="ingress",peer="same_namespace"} 1',
        'netpol_namespace_reachable{namespace="shop",direction="ingress",peer="other_namespaces"} 1',
        'netpol_namespace_reachable{namespace="shop",direction="ingress",peer="all_namespaces"} 1',
        'netpol_namespace_reachable{namespace="shop",direction="ingress",peer="ip_blocks"} 1',
        'netpol_namespace_reachable{namespace="shop",direction="ingress",peer="anywhere"} 1',
        'netpol_namespace_reachable{namespace="shop",direction="egress",peer="same_namespace"} 0',
        'netpol_namespace_reachable{namespace="shop",direction="egress",peer="other_namespaces"} 0',
        'netpol_namespace_reachable{namespace="shop",direction="egress",peer="all_namespaces"} 0',
        'netpol_namespace_reachable{namespace="shop",direction="egress",peer="ip_blocks"} 0',
        'netpol_namespace_reachable{namespace="shop",direction="egress",peer="anywhere"} 0',
        '# HELP netpol_namespace_reachability_unknown 1 when a policy that touches the namespace could not be evaluated for reachability in the direction (a Calico or Cilium policy, a selector or peer the exporter does not evaluate): netpol_namespace_reachable is then a lower bound.',
        '# TYPE netpol_namespace_reachability_unknown gauge',
        'netpol_namespace_reachability_unknown{namespace="shop",direction="ingress"} 0',
        'netpol_namespace_reachability_unknown{namespace="shop",direction="egress"} 1',
        '# HELP netpol_namespace_default_deny_undone 1 when a default-deny NetworkPolicy for the direction sits beside an allow-all one (empty podSelector, a rule admitting every peer): the deny denies nothing.',
        '# TYPE netpol_namespace_default_deny_undone gauge',
        'netpol_namespace_default_deny_undone{namespace="shop",direction="ingress"} 1',
        '',
      ].join('\n'),
    );
    const lint = promtoolCheck(store.text());
    expect(lint.ok, lint.output).to.equal(true);
  });
});
