import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import type { NamespaceVerdict } from '../../src/core/verdict.ts';
import { namespaceFamilies } from '../../src/exposition/families/namespace.ts';
import { RenderedStore } from '../../src/exposition/rendered-store.ts';
import { escapeHelp, escapeLabelValue, sampleLine } from '../../src/exposition/text.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const verdict = (name: string, over: Partial<NamespaceVerdict> = {}): NamespaceVerdict => ({
  name,
  phase: 'Active',
  createdSeconds: 1767323045,
  policies: 2,
  covered: true,
  defaultDeny: { ingress: true, egress: false },
  allowAll: { ingress: false, egress: false },
  protectedBy: ['networkpolicy'],
  protectionUnknown: [],
  unread: [],
  ...over,
});

function family(text: string, name: string): string {
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith(`${name}{`) ||
        line.startsWith(`${name} `) ||
        line.endsWith(` ${name} gauge`) ||
        line.includes(`HELP ${name} `),
    )
    .join('\n');
}

describe('exposition text', () => {
  it('escapes label values and help text as the format requires', () => {
    expect(escapeLabelValue('a"b\\c\nd')).to.equal('a\\"b\\\\c\\nd');
    expect(escapeLabelValue('naïve ✓')).to.equal('naïve ✓');
    expect(escapeHelp('a\\b\nc')).to.equal('a\\\\b\\nc');
    expect(sampleLine('m', [['namespace', 'x"y']], 1)).to.equal('m{namespace="x\\"y"} 1\n');
    expect(sampleLine('m', [], Number.NaN)).to.equal('m NaN\n');
  });

  const store = new RenderedStore(namespaceFamilies);
  store.set('payments', verdict('payments'));
  store.set(
    'default',
    verdict('default', { policies: 0, covered: false, defaultDeny: { ingress: false, egress: false } }),
  );
  store.set(
    'old',
    verdict('old', {
      phase: 'Terminating',
      createdSeconds: Number.NaN,
      allowAll: { ingress: true, egress: false },
    }),
  );
  const text = store.text();

  const golden: Record<string, string> = {
    netpol_namespace_network_policies: `# HELP netpol_namespace_network_policies Number of NetworkPolicies in the namespace.
# TYPE netpol_namespace_network_policies gauge
netpol_namespace_network_policies{namespace="payments"} 2
netpol_namespace_network_policies{namespace="default"} 0
netpol_namespace_network_policies{namespace="old"} 2`,
    netpol_namespace_covered: `# HELP netpol_namespace_covered 1 when a policy of a source that --coverage-sources counts protects the namespace (by default any source: NetworkPolicy, AdminNetworkPolicy, Calico, Cilium, ...), else 0; a policy that cannot be judged does not count.
# TYPE netpol_namespace_covered gauge
netpol_namespace_covered{namespace="payments"} 1
netpol_namespace_covered{namespace="default"} 0
netpol_namespace_covered{namespace="old"} 1`,
    netpol_namespace_default_deny: `# HELP netpol_namespace_default_deny 1 when a default-deny NetworkPolicy for the direction is present, else 0.
# TYPE netpol_namespace_default_deny gauge
netpol_namespace_default_deny{namespace="payments",direction="ingress"} 1
netpol_namespace_default_deny{namespace="payments",direction="egress"} 0
netpol_namespace_default_deny{namespace="default",direction="ingress"} 0
netpol_namespace_default_deny{namespace="default",direction="egress"} 0
netpol_namespace_default_deny{namespace="old",direction="ingress"} 1
netpol_namespace_default_deny{namespace="old",direction="egress"} 0`,
    netpol_namespace_allow_all: `# HELP netpol_namespace_allow_all 1 for each direction in which a NetworkPolicy selecting every pod allows all traffic (ingress: [{}] or egress: [{}]).
# TYPE netpol_namespace_allow_all gauge
netpol_namespace_allow_all{namespace="old",direction="ingress"} 1`,
    netpol_namespace_created_timestamp_seconds: `# HELP netpol_namespace_created_timestamp_seconds Creation time of the namespace, in Unix seconds.
# TYPE netpol_namespace_created_timestamp_seconds gauge
netpol_namespace_created_timestamp_seconds{namespace="payments"} 1767323045
netpol_namespace_created_timestamp_seconds{namespace="default"} 1767323045`,
    netpol_namespace_status_phase: `# HELP netpol_namespace_status_phase The namespace phase: 1 for the current phase, 0 for the others.
# TYPE netpol_namespace_status_phase gauge
netpol_namespace_status_phase{namespace="payments",phase="Active"} 1
netpol_namespace_status_phase{namespace="payments",phase="Terminating"} 0
netpol_namespace_status_phase{namespace="default",phase="Active"} 1
netpol_namespace_status_phase{namespace="default",phase="Terminating"} 0
netpol_namespace_status_phase{namespace="old",phase="Active"} 0
netpol_namespace_status_phase{namespace="old",phase="Terminating"} 1`,
  };
  for (const [name, expected] of Object.entries(golden)) {
    it(`renders ${name} as expected`, () => {
      expect(family(text, name)).to.equal(expected);
    });
  }

  it('covers every declared family with a golden test', () => {
    expect(namespaceFamilies.map((f) => f.name).sort()).to.deep.equal(Object.keys(golden).sort());
  });

  it('re-renders only on change and forgets deleted namespaces', () => {
    const s = new RenderedStore(namespaceFamilies);
    s.set('a', verdict('a'));
    const first = s.pieces();
    // A scrape without a change encodes nothing: the same pieces (and the gzip they keep), not equal copies.
    const again = s.pieces();
    expect(again).to.have.length(first.length);
    for (const [i, piece] of again.entries()) expect(piece, `piece ${i}`).to.equal(first[i]);
    s.set('a', verdict('a', { policies: 7 }));
    expect(
      s.pieces().some((piece, i) => piece !== first[i]),
      'a change re-renders',
    ).to.equal(true);
    expect(s.text()).to.contain('netpol_namespace_network_policies{namespace="a"} 7');
    s.delete('a');
    expect(s.text()).not.to.contain('namespace="a"');
    expect(s.size).to.equal(0);
  });

  it('keeps hostile namespace names on one line', () => {
    const s = new RenderedStore(namespaceFamilies);
    s.set('x', verdict('evil"\\\nname'));
    for (const line of s.text().split('\n')) {
      if (line && !line.startsWith('#'))
        expect(line).to.match(/^netpol_namespace_\w+\{namespace="evil\\"\\\\\\nname"/);
    }
  });

  it('costs little more memory than its text: no rope strings kept per namespace', () => {
    const verdicts = Array.from({ length: 10_000 }, (_, i) =>
      verdict(`namespace-${String(i).padStart(5, '0')}`),
    );
    const used = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    const s = new RenderedStore(namespaceFamilies);
    for (const v of verdicts) s.set(v.name, v);
    s.pieces();
    const held = used() - before;
    const textBytes = Buffer.byteLength(s.text());
    expect(textBytes).to.be.greaterThan(5_000_000);
    // Kept as concatenation ropes, the same text cost several times its length (4-5x measured).
    expect(held / textBytes).to.be.lessThan(1.5);
  });

  it('renders a burst of changes to one namespace once, at the next scrape', () => {
    let rendered = 0;
    const s = new RenderedStore<NamespaceVerdict>([
      {
        name: 'm',
        help: 'h.',
        type: 'gauge',
        labels: ['namespace'],
        samples: (v) => {
          rendered++;
          return [{ labels: [['namespace', v.name]], value: v.policies }];
        },
      },
    ]);
    for (let i = 0; i < 100; i++) s.set('a', verdict('a', { policies: i }));
    expect(rendered).to.equal(0);
    expect(s.text()).to.contain('m{namespace="a"} 99\n');
    expect(rendered).to.equal(1);
    s.text();
    expect(rendered).to.equal(1);
  });
});
