// Golden text for the exemption and scope families, and hostile values through promtool.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { NamespaceContextRules } from '../../../src/core/context/namespace-context.ts';
import type { NamespaceFacts } from '../../../src/core/facts.ts';
import { parseLabelSelector } from '../../../src/core/selectors/selector-syntax.ts';
import { contextFamilies as namespaceContextFamilies } from '../../../src/exposition/families/index.ts';
import { namespaceLabelPairs, promLabelName } from '../../../src/exposition/families/scope.ts';
import { RenderedStore } from '../../../src/exposition/rendered-store.ts';
import { parseExposition } from '../../helpers/exposition.ts';

const P = 'netpol-exporter.io/';
const NOW = Date.parse('2026-06-01T00:00:00Z') / 1000;
const rules = new NamespaceContextRules({
  exemption: { prefix: P, maxDurationSeconds: 365 * 86_400 },
  scope: { include: [], exclude: ['kube-*'], excludeSelector: parseLabelSelector('lifecycle=ephemeral') },
  labelAllowlist: ['team', 'app.kubernetes.io/part-of', 'team_name', 'team.name'],
});

function ns(
  name: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): NamespaceFacts {
  return { name, phase: 'Active', createdSeconds: NOW - 86_400, labels, annotations };
}

describe('exemption and scope families', () => {
  it('render the documented text', () => {
    const store = new RenderedStore(namespaceContextFamilies);
    for (const facts of [
      ns(
        'payments',
        { team: 'pay' },
        {
          [`${P}exempt`]: 'true',
          [`${P}owner`]: 'team-pay',
          [`${P}reason`]: 'PCI migration',
          [`${P}expires`]: '2026-06-30',
        },
      ),
      ns('legacy', {}, { [`${P}exempt`]: 'true', [`${P}expires`]: '2026-06-30' }),
      ns(
        'old',
        {},
        {
          [`${P}exempt`]: 'true',
          [`${P}owner`]: 'bob',
          [`${P}reason`]: 'r',
          [`${P}expires`]: '2026-05-01',
          [`${P}granted`]: '2026-04-01',
        },
      ),
      ns('kube-system', { 'app.kubernetes.io/part-of': 'k8s' }, {}),
    ])
      store.set(facts.name, rules.contextOf(facts, NOW));
    expect(
      store.text(),
    ).to.equal(`# HELP netpol_namespace_exempt 1 while a well-formed, unexpired exemption holds for the namespace, else 0.
# TYPE netpol_namespace_exempt gauge
netpol_namespace_exempt{namespace="payments"} 1
netpol_namespace_exempt{namespace="legacy"} 0
netpol_namespace_exempt{namespace="old"} 0
netpol_namespace_exempt{namespace="kube-system"} 0
# HELP netpol_namespace_exemption_info A well-formed exemption (valid or expired), with its owner and reason; always 1.
# TYPE netpol_namespace_exemption_info gauge
netpol_namespace_exemption_info{namespace="payments",owner="team-pay",reason="PCI migration"} 1
netpol_namespace_exemption_info{namespace="old",owner="bob",reason="r"} 1
# HELP netpol_namespace_exemption_expiry_timestamp_seconds When the namespace exemption expires (or expired), in Unix seconds.
# TYPE netpol_namespace_exemption_expiry_timestamp_seconds gauge
netpol_namespace_exemption_expiry_timestamp_seconds{namespace="payments"} 1782864000
netpol_namespace_exemption_expiry_timestamp_seconds{namespace="old"} 1777680000
# HELP netpol_namespace_exemption_invalid 1 for each problem that keeps the namespace exemption annotations from counting as an exemption.
# TYPE netpol_namespace_exemption_invalid gauge
netpol_namespace_exemption_invalid{namespace="legacy",problem="missing_owner"} 1
netpol_namespace_exemption_invalid{namespace="legacy",problem="missing_reason"} 1
# HELP netpol_namespace_excluded 1 when the namespace is out of scope by configuration (--namespaces.* flags), else 0.
# TYPE netpol_namespace_excluded gauge
netpol_namespace_excluded{namespace="payments"} 0
netpol_namespace_excluded{namespace="legacy"} 0
netpol_namespace_excluded{namespace="old"} 0
netpol_namespace_excluded{namespace="kube-system"} 1
# HELP netpol_namespace_labels The namespace labels named by --metric-labels-allowlist, as label_<key> labels; always 1.
# TYPE netpol_namespace_labels gauge
netpol_namespace_labels{namespace="payments",label_team="pay"} 1
netpol_namespace_labels{namespace="legacy"} 1
netpol_namespace_labels{namespace="old"} 1
netpol_namespace_labels{namespace="kube-system",label_app_kubernetes_io_part_of="k8s"} 1
`);
  });

  it('exports no labels series when the allow-list is empty, and every label for *', () => {
    const facts = ns('a', { team: 'x', 'example.com/cost-center': '42' }, {});
    const none = new NamespaceContextRules({ ...rules.options, labelAllowlist: [] }).contextOf(facts, NOW);
    expect(none.labels).to.equal(undefined);
    const all = new NamespaceContextRules({ ...rules.options, labelAllowlist: ['*'] }).contextOf(facts, NOW);
    expect(all.labels).to.deep.equal([
      ['example.com/cost-center', '42'],
      ['team', 'x'],
    ]);
  });

  it('sanitises label keys as kube-state-metrics does, keeping keys that collide', () => {
    expect(promLabelName('app.kubernetes.io/part-of')).to.equal('label_app_kubernetes_io_part_of');
    expect(
      namespaceLabelPairs('n', [
        ['team.name', 'a'],
        ['team_name', 'b'],
      ]),
    ).to.deep.equal([
      ['namespace', 'n'],
      ['label_team_name', 'a'],
      ['label_team_name_conflict1', 'b'],
    ]);
  });

  it('keeps the exposition valid for hostile owners, reasons and label values (promtool check metrics)', () => {
    const hostile = [
      `quote " backslash \\ newline \n carriage \r tab \t nul \u0000 end`,
      `"} 1\nnetpol_fake{x="y`,
      `# HELP injected\n# TYPE injected counter`,
      'ünïcødé ✓ 😀 \u202e right-to-left \ud800 lone surrogate',
      'x'.repeat(100_000),
    ];
    const store = new RenderedStore(namespaceContextFamilies);
    hostile.forEach((value, i) => {
      const facts = ns(
        `ns-${i}`,
        { team: value, 'team.name': value, team_name: value },
        {
          [`${P}exempt`]: 'true',
          [`${P}owner`]: value,
          [`${P}reason`]: value,
          [`${P}expires`]: '2026-06-30',
        },
      );
      store.set(facts.name, rules.contextOf(facts, NOW));
    });
    const text = store.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).to.equal(0);
    // One line per sample: nothing injected a family or a sample of its own.
    const series = parseExposition(text);
    expect(
      [...series.keys()].filter((k) => k.startsWith('netpol_fake') || k.startsWith('injected')),
    ).to.deep.equal([]);
    expect([...series.keys()].filter((k) => k.startsWith('netpol_namespace_exemption_info'))).to.have.length(
      5,
    );
    expect(text.length).to.be.below(10_000);
    expect(text.includes('\r') || text.includes(String.fromCharCode(0))).to.equal(false);
  });
});
