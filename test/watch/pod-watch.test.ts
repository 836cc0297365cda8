// The pod watch (--pod-isolation) as a user meets it without the access it needs: the warning names the
// component that grants it, not deploy/base (which does not).
import { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { expect } from 'chai';
import { EXPORTER_PERMISSIONS } from '../../src/cli/demo.ts';
import { exporterFor, type TestExporter } from '../helpers/exporter.ts';
import { eventually } from '../helpers/exposition.ts';

interface LogLine {
  level: number;
  msg: string;
  resource?: string;
  reason?: string;
}

describe('pod watch', function () {
  this.timeout(120_000);
  let sim: SimulatedCluster;
  let exporter: TestExporter | undefined;

  before(async () => {
    sim = await SimulatedCluster.start({ port: 0 });
  });
  afterEach(async () => {
    await exporter?.dispose();
    exporter = undefined;
  });
  after(async () => {
    await sim?.stop();
  });

  const forbidden = async (resource: string): Promise<LogLine> =>
    eventually(async () => {
      const line = (exporter?.logs ?? [])
        .map((l) => JSON.parse(l) as LogLine)
        .find((l) => l.resource === resource && l.reason === 'forbidden');
      if (!line) throw new Error(`no forbidden warning for ${resource} yet`);
      return line;
    }, 60_000);

  it('without access to pods, says the grant is in deploy/components/pod-isolation', async () => {
    sim.addToken('no-pods', EXPORTER_PERMISSIONS);
    exporter = await exporterFor(sim, { token: 'no-pods', args: ['--pod-isolation'] });
    const line = await forbidden('pods');
    expect(line.msg).to.match(/^watch failed: /);
    expect(line.msg).to.contain(
      '(the exporter needs list and watch on pods: see deploy/components/pod-isolation)',
    );
  });

  it('without access to a base resource, still points at deploy/base', async () => {
    sim.addToken('no-policies', [{ resource: 'namespaces', verbs: ['list', 'watch'] }]);
    exporter = await exporterFor(sim, { token: 'no-policies' });
    const line = await forbidden('networkpolicies');
    expect(line.msg).to.contain('(the exporter needs list and watch on networkpolicies: see deploy/base)');
  });
});
