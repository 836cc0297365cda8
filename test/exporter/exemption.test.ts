// Exemptions, scope and routing labels against the simulated API server: an exemption added with the API,
// expiring while the exporter runs with no watch event at all, then removed; malformed and hostile ones.
import { spawnSync } from 'node:child_process';
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { parseFlags, serveFlags, UsageError } from '../../src/cli/flags.ts';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually, parseExposition } from '../helpers/exposition.ts';

const P = 'netpol-exporter.io/';
const namespace = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});

describe('exemptions, scope and labels against the simulator', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter;

  const series = async () => parseExposition(await exporter.scrape());
  const annotate = (name: string, annotations: Record<string, string | null>) =>
    sim.patch('namespaces', undefined, name, { metadata: { annotations } });

  before(async () => {
    sim = await SimulatedCluster.start({ bookmarkIntervalMs: 500 });
    sim.create(namespace('legacy', { team: 'billing', 'cost.center': '42' }));
    sim.create(namespace('scratch', { lifecycle: 'ephemeral' }));
    sim.create(namespace('odd'));
    exporter = await exporterFor(sim, {
      args: [
        '--namespaces.exclude=kube-*',
        '--namespaces.exclude-selector=lifecycle in (ephemeral,preview)',
        '--metric-labels-allowlist=team,cost.center',
        '--exemption.max-duration=30d',
      ],
    });
    await eventually(() => expect(exporter.exporter.readiness().ready).to.equal(true), 60_000);
  });
  after(async () => {
    await exporter?.dispose();
    await sim?.stop();
  });

  it('keeps excluded namespaces visible, marked excluded, with their coverage facts', async () => {
    await eventually(async () => {
      const s = await series();
      expect(s.get('netpol_namespace_excluded{namespace="kube-system"}')).to.equal(1);
      expect(s.get('netpol_namespace_excluded{namespace="scratch"}')).to.equal(1);
      expect(s.get('netpol_namespace_excluded{namespace="legacy"}')).to.equal(0);
      expect(s.get('netpol_namespace_covered{namespace="kube-system"}')).to.equal(0);
      expect(
        s.get('netpol_namespace_labels{namespace="legacy",label_cost_center="42",label_team="billing"}'),
      ).to.equal(1);
    });
  });

  it('holds an exemption, lets it expire with no event, then forgets it once removed', async () => {
    const expires = new Date(Date.now() + 3_000);
    annotate('legacy', {
      [`${P}exempt`]: 'true',
      [`${P}owner`]: 'team-billing',
      [`${P}reason`]: 'migrating to Cilium, CHG-42',
      [`${P}expires`]: expires.toISOString(),
    });
    const info =
      'netpol_namespace_exemption_info{namespace="legacy",owner="team-billing",reason="migrating to Cilium, CHG-42"}';
    await eventually(async () => {
      const s = await series();
      expect(s.get('netpol_namespace_exempt{namespace="legacy"}')).to.equal(1);
      expect(s.get(info)).to.equal(1);
      expect(s.get('netpol_namespace_exemption_expiry_timestamp_seconds{namespace="legacy"}')).to.equal(
        expires.getTime() / 1000,
      );
      // Exempt is not covered: the coverage facts stay as they are.
      expect(s.get('netpol_namespace_covered{namespace="legacy"}')).to.equal(0);
    });
    const rvBefore = sim.resourceVersion;
    await eventually(
      async () => expect((await series()).get('netpol_namespace_exempt{namespace="legacy"}')).to.equal(0),
      60_000,
      100,
    );
    // It flipped by time alone: nothing changed in the cluster meanwhile, and not before the expiry.
    expect(sim.resourceVersion).to.equal(rvBefore);
    expect(Date.now()).to.be.at.least(expires.getTime());
    expect((await series()).get(info)).to.equal(1);
    expect(
      exporter.logs.some((l) => l.includes('namespace exemption has expired') && l.includes('"legacy"')),
    ).to.equal(true);

    annotate('legacy', {
      [`${P}exempt`]: null,
      [`${P}owner`]: null,
      [`${P}reason`]: null,
      [`${P}expires`]: null,
    });
    await eventually(async () => {
      const s = await series();
      expect(s.has(info)).to.equal(false);
      expect(s.has('netpol_namespace_exemption_expiry_timestamp_seconds{namespace="legacy"}')).to.equal(
        false,
      );
      expect(s.get('netpol_namespace_exempt{namespace="legacy"}')).to.equal(0);
    });
    expect(exporter.exporter.context.nextDeadline).to.equal(undefined);
  });

  it('says which namespace has a malformed exemption and why, in a metric and one log line', async () => {
    annotate('odd', {
      [`${P}exempt`]: 'true',
      [`${P}reason`]: 'temporary',
      [`${P}expires`]: '2099-01-01',
    });
    await eventually(async () => {
      const s = await series();
      expect(s.get('netpol_namespace_exemption_invalid{namespace="odd",problem="missing_owner"}')).to.equal(
        1,
      );
      expect(s.get('netpol_namespace_exemption_invalid{namespace="odd",problem="expiry_too_far"}')).to.equal(
        1,
      );
      expect(s.get('netpol_namespace_exempt{namespace="odd"}')).to.equal(0);
    });
    const lines = exporter.logs.filter((l) => l.includes('malformed') && l.includes('"odd"'));
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0] ?? '{}')).to.include({
      problems: 'missing_owner,expiry_too_far',
      level: 'warn',
    });
  });

  it('survives hostile owners and reasons sent through the API (promtool check metrics)', async () => {
    const hostile = `"} 1\n# TYPE x counter\nback\\slash ünïcødé 😀 ${'z'.repeat(5_000)}`;
    annotate('odd', {
      [`${P}owner`]: hostile,
      [`${P}reason`]: hostile,
      [`${P}expires`]: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await eventually(async () =>
      expect((await series()).get('netpol_namespace_exempt{namespace="odd"}')).to.equal(1),
    );
    const text = await exporter.scrape();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).to.equal(0);
    const info = [...parseExposition(text).keys()].filter((k) =>
      k.startsWith('netpol_namespace_exemption_info'),
    );
    expect(info).to.have.length(1);
    expect(info[0]?.length).to.be.below(500);
  });

  it('rejects a malformed selector or prefix at startup as a usage error', () => {
    expect(() => parseFlags(serveFlags, ['--namespaces.exclude-selector=team in core'], {})).to.throw(
      UsageError,
    );
    expect(() => parseFlags(serveFlags, ['--exemption.annotation-prefix=a/b/c/'], {})).to.throw(UsageError);
    expect(
      parseFlags(serveFlags, [], { NETPOL_EXPORTER_NAMESPACES_INCLUDE: 'team-*, default' }).namespacesInclude,
    ).to.deep.equal(['team-*', 'default']);
  });
});
