// Golden text for the protection families.
import { expect } from 'chai';
import { protectionFamilies } from '../../../src/exposition/families/protection.ts';
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
      allowAll: { ingress: false, egress: false },
      protectedBy: ['networkpolicy', 'calico_globalnetworkpolicy'],
      protectionUnknown: ['cilium_clusterwidenetworkpolicy'],
      unread: [],
    });
    store.set('b', {
      name: 'b',
      phase: 'Active',
      createdSeconds: 1,
      policies: 0,
      covered: false,
      defaultDeny: { ingress: false, egress: false },
      allowAll: { ingress: false, egress: false },
      protectedBy: [],
      protectionUnknown: [],
      unread: [],
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
});
