// Golden text for the protection, pod isolation and source status families.
import { expect } from 'chai';
import {
  podIsolationFamilies,
  protectionFamilies,
  sourceStatusFamily,
} from '../../../src/exposition/families/protection.ts';
import { renderHeader, renderSamples } from '../../../src/exposition/family.ts';
import { RenderedStore } from '../../../src/exposition/rendered-store.ts';

describe('protection families', () => {
  it('one series per protecting source, none for the others; unknown apart', () => {
    const store = new RenderedStore(protectionFamilies);
    store.set('a', {
      name: 'a',
      phase: 'Active',
      createdSeconds: 1,
      policies: 1,
      covered: true,
      defaultDeny: { ingress: false, egress: false },
      protectedBy: ['networkpolicy', 'calico_globalnetworkpolicy'],
      protectionUnknown: ['cilium_clusterwidenetworkpolicy'],
    });
    store.set('b', {
      name: 'b',
      phase: 'Active',
      createdSeconds: 1,
      policies: 0,
      covered: false,
      defaultDeny: { ingress: false, egress: false },
      protectedBy: [],
      protectionUnknown: [],
    });
    const body = store
      .text()
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    expect(body).to.equal(
      [
        'netpol_namespace_protected{namespace="a",source="networkpolicy"} 1',
        'netpol_namespace_protected{namespace="a",source="calico_globalnetworkpolicy"} 1',
        'netpol_namespace_protection_unknown{namespace="a",source="cilium_clusterwidenetworkpolicy"} 1',
        '',
      ].join('\n'),
    );
  });

  it('pods and isolated pods per direction', () => {
    const store = new RenderedStore(podIsolationFamilies);
    store.set('shop', { namespace: 'shop', pods: 3, isolated: { ingress: 1, egress: 0 } });
    expect(store.text()).to.contain('netpol_namespace_pods{namespace="shop"} 3\n');
    expect(store.text()).to.contain(
      'netpol_namespace_pods_isolated{namespace="shop",direction="ingress"} 1\n',
    );
    expect(store.text()).to.contain(
      'netpol_namespace_pods_isolated{namespace="shop",direction="egress"} 0\n',
    );
  });

  it('source status: 1 for the current state, 0 for the others', () => {
    const text =
      renderHeader(sourceStatusFamily) +
      renderSamples(sourceStatusFamily, [{ source: 'cilium_networkpolicy', state: 'forbidden' }]);
    expect(text).to.contain('# TYPE netpol_exporter_source_status gauge\n');
    expect(text).to.contain(
      'netpol_exporter_source_status{source="cilium_networkpolicy",state="watching"} 0\n',
    );
    expect(text).to.contain(
      'netpol_exporter_source_status{source="cilium_networkpolicy",state="not_served"} 0\n',
    );
    expect(text).to.contain(
      'netpol_exporter_source_status{source="cilium_networkpolicy",state="forbidden"} 1\n',
    );
  });
});
