// The family registry: every family once, named by convention, and its samples carry exactly the labels it declares.
import { expect } from 'chai';
import type { NamespaceContext } from '../../../src/core/context/namespace-context.ts';
import { listedNamespaces } from '../../../src/core/exposure/other-namespaces.ts';
import { namespaceReachability } from '../../../src/core/exposure/reachability.ts';
import { NO_PEERS } from '../../../src/core/facts.ts';
import type { PodIsolation } from '../../../src/core/pod-isolation.ts';
import type { NamespaceVerdict } from '../../../src/core/verdict.ts';
import type { ExporterSelf, ServingStatus } from '../../../src/exposition/families/exporter.ts';
import { ALL_FAMILIES, FAMILY_GROUPS } from '../../../src/exposition/families/index.ts';
import type { Family } from '../../../src/exposition/family.ts';

const verdict: NamespaceVerdict = {
  name: 'shop',
  phase: 'Active',
  createdSeconds: 1,
  policies: 1,
  covered: true,
  defaultDeny: { ingress: true, egress: false },
  allowAll: { ingress: true, egress: false },
  protectedBy: ['networkpolicy'],
  protectionUnknown: ['calico_globalnetworkpolicy'],
  unread: [],
};
const context: NamespaceContext = {
  name: 'shop',
  exemption: { state: 'invalid', problems: ['missing_owner'] },
  excluded: false,
  labels: [['team', 'a']],
  labelsDropped: 0,
};
const exempt: NamespaceContext = {
  ...context,
  exemption: { state: 'expired', owner: 'team-a', reason: 'migration', expiresSeconds: 2 },
};
const pods: PodIsolation = {
  namespace: 'shop',
  pods: 2,
  isolated: { ingress: 1, egress: 0 },
  dangling: ['typo'],
};
const self: ExporterSelf = {
  build: { version: 'v', revision: 'r' },
  watches: [
    {
      resource: 'namespaces',
      synced: true,
      up: true,
      staleSeconds: () => 0,
      restarts: new Map([['closed', 1]]),
      events: new Map([['added', 2]]),
      requests: new Map([['list 200', 1]]),
    },
  ],
  sources: [{ source: 'cilium_networkpolicy', state: 'watching' }],
};
const serving: ServingStatus = {
  refused: new Map([['unauthenticated', 1]]),
  webConfigReloadRefused: new Map([['lowers_protection', 1]]),
};
// A default deny undone by an allow-all beside it, so every exposure family has a sample.
const reachability = namespaceReachability({
  name: 'shop',
  labels: {},
  policies: [
    {
      podSelector: { matchLabels: {}, matchExpressions: [] },
      ingress: { applies: true, rules: 0, allowsAll: false },
    },
    {
      podSelector: { matchLabels: {}, matchExpressions: [] },
      ingress: { applies: true, rules: 1, allowsAll: true, peers: { ...NO_PEERS, everything: true } },
    },
  ].map((p, i) => ({
    ...p,
    namespace: 'shop',
    name: `p${i}`,
    egress: { applies: false, rules: 0, allowsAll: false },
  })),
  tiers: [],
  others: listedNamespaces([]),
});
const internet = { name: 'shop', vias: ['load_balancer', 'ingress'], entryPoints: [] };
const subjects = [verdict, context, exempt, pods, self, serving, reachability, internet];

/** The samples of a family for whichever sample subject it renders (the one that does not throw). */
function samplesOf(family: Family<never>) {
  for (const subject of subjects) {
    try {
      const samples = (family as Family<unknown>).samples(subject);
      if (samples.length > 0) return samples;
    } catch {}
  }
  return [];
}

describe('family registry', () => {
  it('holds every family once, each with the netpol_ prefix, help ending in a period, and a group', () => {
    const names = ALL_FAMILIES.map((f) => f.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const family of ALL_FAMILIES) {
      expect(family.name).to.match(/^netpol_(namespace|exporter)_[a-z_]+$/);
      expect(family.help, family.name).to.match(/\.$/);
      expect(family.type === 'counter', family.name).to.equal(family.name.endsWith('_total'));
    }
    expect(FAMILY_GROUPS.every((g) => g.families.length > 0)).to.equal(true);
  });

  for (const family of ALL_FAMILIES)
    it(`${family.name}: samples carry exactly the declared labels`, () => {
      const samples = samplesOf(family);
      expect(samples, 'a sample subject renders it').to.not.have.length(0);
      for (const sample of samples) {
        const names = sample.labels.map(([name]) => name.replace(/^label_.*/, 'label_<key>'));
        expect(names).to.deep.equal([...family.labels]);
      }
    });
});
