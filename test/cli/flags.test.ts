import { expect } from 'chai';
import { auditFlags } from '../../src/cli/audit.ts';
import { envName, flagsHelp, parseArgs, parseFlags, serveFlags, UsageError } from '../../src/cli/flags.ts';
import { remediateFlags } from '../../src/cli/remediate.ts';
import { simulateFlags } from '../../src/cli/simulate-main.ts';

describe('flags', () => {
  it('has Prometheus-style defaults', () => {
    const c = parseFlags(serveFlags, [], {});
    expect(c.listenAddress).to.deep.equal({ host: '', port: 10111 });
    expect(c.telemetryPath).to.equal('/metrics');
    expect(c.logLevel).to.equal('info');
    expect(c.logFormat).to.equal('logfmt');
    expect(c.stallTimeout).to.equal(90_000);
    expect(c.listTimeout).to.equal(60_000);
    expect(parseFlags(serveFlags, [], { NETPOL_EXPORTER_WATCH_LIST_TIMEOUT: '2m' }).listTimeout).to.equal(
      120_000,
    );
    expect(c.pageSize).to.equal(500);
  });

  it('takes --flag=value and --flag value; flags beat environment variables, which beat defaults', () => {
    const c = parseFlags(serveFlags, ['--web.listen-address=127.0.0.1:9999', '--log.level', 'debug'], {
      NETPOL_EXPORTER_LOG_LEVEL: 'warn',
      NETPOL_EXPORTER_WEB_TELEMETRY_PATH: '/m',
      KUBECONFIG: '/tmp/kc',
    });
    expect(c.listenAddress).to.deep.equal({ host: '127.0.0.1', port: 9999 });
    expect(c.logLevel).to.equal('debug');
    expect(c.telemetryPath).to.equal('/m');
    expect(c.kubeconfig).to.equal('/tmp/kc');
    expect(parseFlags(serveFlags, ['--web.listen-address=[::1]:80'], {}).listenAddress).to.deep.equal({
      host: '::1',
      port: 80,
    });
  });

  const bad: [string[], Record<string, string>, RegExp][] = [
    [['--nope'], {}, /unknown flag --nope/],
    [['--web.listen-address=10111'], {}, /host:port/],
    [['--web.listen-address=:99999'], {}, /host:port/],
    [['--web.telemetry-path=metrics'], {}, /must start with \//],
    [['--log.level=loud'], {}, /one of debug, info, warn, error/],
    [['--watch.page-size=0'], {}, /whole number/],
    [['--watch.stall-timeout=soon'], {}, /duration/],
    [['--log.format'], {}, /needs a value/],
    [[], { NETPOL_EXPORTER_LOG_FORMAT: 'xml' }, /from NETPOL_EXPORTER_LOG_FORMAT/],
  ];
  for (const [argv, env, message] of bad) {
    it(`rejects ${JSON.stringify(argv)} ${JSON.stringify(env)} with a one-line reason`, () => {
      expect(() => parseFlags(serveFlags, argv, env))
        .to.throw(UsageError, message)
        .with.property('message')
        .that.does.not.include('\n');
    });
  }

  // A wait of 0, or one past Node's 24.8-day timer limit, fires at once: watches reopened nonstop, discovery in a loop.
  const outOfRange: [string, RegExp][] = [
    ['--watch.stall-timeout=0s', /--watch.stall-timeout takes a duration from 1s to 1h, not "0s"/],
    ['--watch.stall-timeout=30d', /--watch.stall-timeout takes a duration from 1s to 1h, not "30d"/],
    ['--watch.list-timeout=30d', /--watch.list-timeout takes a duration from 1s to 1h/],
    ['--watch.list-timeout=0s', /--watch.list-timeout takes a duration from 1s to 1h/],
    ['--discovery.interval=0s', /--discovery.interval takes a duration from 1s to 24h, not "0s"/],
    ['--discovery.interval=30d', /--discovery.interval takes a duration from 1s to 24h, not "30d"/],
    ['--exemption.max-duration=0s', /--exemption.max-duration takes a duration from 1h to 3650d/],
    ['--exemption.max-duration=99999999d', /--exemption.max-duration takes a duration from 1h to 3650d/],
    ['--watch.page-size=1000000', /--watch.page-size takes a whole number from 1 to 10000, not "1000000"/],
    [
      '--web.max-connections-per-client=5000',
      /--web.max-connections-per-client takes a whole number from 1 to 1024/,
    ],
    [
      '--metric-labels-limit=99999999999999999999',
      /--metric-labels-limit takes a whole number from 1 to 1000/,
    ],
  ];
  for (const [arg, message] of outOfRange)
    it(`refuses ${arg}: out of its sane range`, () => {
      expect(() => parseFlags(serveFlags, [arg], {}))
        .to.throw(UsageError, message)
        .with.property('message')
        .that.does.not.include('\n');
    });

  it('takes the ends of each range', () => {
    const c = parseFlags(
      serveFlags,
      [
        '--watch.stall-timeout=1h',
        '--watch.list-timeout=1s',
        '--discovery.interval=24h',
        '--watch.page-size=10000',
      ],
      {},
    );
    expect([c.stallTimeout, c.listTimeout, c.discoveryInterval, c.pageSize]).to.deep.equal([
      3_600_000, 1000, 86_400_000, 10_000,
    ]);
    expect(parseFlags(serveFlags, ['--exemption.max-duration=3650d'], {}).exemptionMaxDuration).to.equal(
      3650 * 86_400_000,
    );
  });

  it('parses durations as Prometheus writes them', () => {
    expect(parseFlags(serveFlags, ['--watch.stall-timeout=1m30s'], {}).stallTimeout).to.equal(90_000);
    expect(parseFlags(serveFlags, ['--watch.stall-timeout=1500ms'], {}).stallTimeout).to.equal(1500);
  });

  it('lists every flag and its environment variable in --help', () => {
    const help = flagsHelp(serveFlags);
    for (const f of Object.values(serveFlags)) {
      expect(help).to.contain(`--${f.name}`);
      expect(help).to.contain(`$${f.env}`);
    }
    expect(envName('web.listen-address')).to.equal('NETPOL_EXPORTER_WEB_LISTEN_ADDRESS');
    expect(parseArgs(serveFlags, ['--help'], {}).help).to.equal(true);
  });

  for (const [command, spec] of Object.entries({ serveFlags, auditFlags, remediateFlags, simulateFlags }))
    it(`${command} --help: every description starts in one column and lines fit 110 characters`, () => {
      const lines = flagsHelp(spec).split('\n');
      const starts = new Set<number>();
      for (const line of lines) {
        expect(line.length, line).to.be.at.most(110);
        if (/^ {2}--\S+$/.test(line)) continue; // a long flag, its description on the next line
        const flag = /^ {2}--\S+ +/.exec(line);
        starts.add(flag ? flag[0].length : line.search(/\S/));
      }
      expect([...starts]).to.have.length(1);
      for (const f of Object.values(spec)) expect(lines.join(' ')).to.contain(`--${f.name}`);
    });

  it("--metric-labels-allowlist takes label keys, or kube-state-metrics' namespaces=[...] spelling of them", () => {
    const keys = (raw: string) =>
      parseFlags(serveFlags, [`--metric-labels-allowlist=${raw}`], {}).metricLabelsAllowlist;
    expect(keys('team,app.kubernetes.io/name')).to.deep.equal(['team', 'app.kubernetes.io/name']);
    expect(keys('namespaces=[team,owner]')).to.deep.equal(['team', 'owner']);
    expect(keys('namespaces=[*]')).to.deep.equal(['*']);
    for (const bad of ['pods=[app]', 'namespaces=[team', 'team owner', 'namespaces=team'])
      expect(() => keys(bad), bad).to.throw(UsageError, /--metric-labels-allowlist/);
  });
});
