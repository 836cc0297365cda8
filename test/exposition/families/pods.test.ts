// Golden text for the pod isolation families.
import { expect } from 'chai';
import { podIsolationFamilies } from '../../../src/exposition/families/pods.ts';
import { RenderedStore } from '../../../src/exposition/rendered-store.ts';

describe('pod isolation families', () => {
  it('pods, isolated pods per direction and dangling policies', () => {
    const store = new RenderedStore(podIsolationFamilies);
    store.set('shop', {
      namespace: 'shop',
      pods: 3,
      isolated: { ingress: 1, egress: 0 },
      dangling: ['retired', 'typo'],
    });
    expect(store.text()).to.contain(
      '# HELP netpol_namespace_dangling_policies NetworkPolicies of the namespace whose podSelector matches none of its pods (with --pod-isolation).\n# TYPE netpol_namespace_dangling_policies gauge\nnetpol_namespace_dangling_policies{namespace="shop"} 2\n',
    );
    expect(store.text()).to.contain('netpol_namespace_pods{namespace="shop"} 3\n');
    expect(store.text()).to.contain(
      'netpol_namespace_pods_isolated{namespace="shop",direction="ingress"} 1\n',
    );
    expect(store.text()).to.contain(
      'netpol_namespace_pods_isolated{namespace="shop",direction="egress"} 0\n',
    );
  });
});
