// Every serve flag with a bad value, through the real CLI: exit code 2 and exactly one line that names the flag.
// The table must cover every flag: adding a flag without a row here fails the first test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { serveFlags } from '../../src/cli/flags.ts';
import { exitOf, spawnExporter } from '../helpers/exporter.ts';

type Case = { flag: string; value: string; message: RegExp } | { flag: string; anyValue: string };

describe('flags with bad values exit 2 with a one-line reason', function () {
  this.timeout(60_000);
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-flags-'));
    kubeconfig = join(dir, 'kubeconfig');
    // Points at a port the OS just gave back: every case fails before the exporter would connect.
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`,
    );
    await writeFile(join(dir, 'bad-web.yml'), 'basic_auth_users:\n  prometheus: plain-text-password\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cases = (): Case[] => [
    {
      flag: 'kubeconfig',
      value: join(dir, 'missing'),
      message: /--kubeconfig \S+missing: no such file; give the path of a kubeconfig/,
    },
    { flag: 'context', value: 'nope', message: /--context: no context named "nope"/ },
    { flag: 'web.listen-address', value: 'localhost', message: /--web.listen-address takes host:port/ },
    { flag: 'web.listen-address', value: ':99999', message: /--web.listen-address takes host:port/ },
    { flag: 'web.telemetry-path', value: 'metrics', message: /--web.telemetry-path must start with \// },
    { flag: 'web.config.file', value: join(dir, 'missing.yml'), message: /--web.config.file: cannot read/ },
    {
      flag: 'web.config.file',
      value: join(dir, 'bad-web.yml'),
      message: /--web.config.file: basic_auth_users.prometheus is not a bcrypt hash/,
    },
    {
      flag: 'web.probe-listen-address',
      value: '10112',
      message: /--web.probe-listen-address takes host:port or :port, not "10112"/,
    },
    {
      flag: 'web.max-connections-per-client',
      value: '0',
      message: /--web.max-connections-per-client takes a whole number > 0/,
    },
    { flag: 'log.level', value: 'verbose', message: /--log.level takes one of debug, info, warn, error/ },
    { flag: 'log.format', value: 'xml', message: /--log.format takes one of logfmt, json/ },
    { flag: 'watch.page-size', value: '0', message: /--watch.page-size takes a whole number > 0/ },
    { flag: 'watch.page-size', value: '1e3', message: /--watch.page-size takes a whole number > 0/ },
    { flag: 'watch.stall-timeout', value: '90', message: /--watch.stall-timeout takes a duration/ },
    { flag: 'watch.list-timeout', value: 'never', message: /--watch.list-timeout takes a duration/ },
    { flag: 'exemption.annotation-prefix', value: 'a/b/c', message: /--exemption.annotation-prefix takes/ },
    {
      flag: 'exemption.max-duration',
      value: 'forever',
      message: /--exemption.max-duration takes a duration/,
    },
    { flag: 'namespaces.exclude-selector', value: 'a in (', message: /--namespaces.exclude-selector: / },
    { flag: 'coverage-sources', value: 'networkpolicy,firewall', message: /--coverage-sources/ },
    { flag: 'discovery.interval', value: '5 minutes', message: /--discovery.interval takes a duration/ },
    { flag: 'pod-isolation', value: 'yes', message: /--pod-isolation takes true or false, not "yes"/ },
    { flag: 'exposure', value: 'no', message: /--exposure takes true or false, not "no"/ },
    // Lists of names, globs or label keys: every string is a valid (possibly empty) list.
    { flag: 'namespaces.include', anyValue: 'comma-separated names or globs' },
    { flag: 'namespaces.exclude', anyValue: 'comma-separated names or globs' },
    {
      flag: 'metric-labels-allowlist',
      value: 'pods=[app]',
      message: /--metric-labels-allowlist takes namespace label keys/,
    },
    { flag: 'metric-labels-limit', value: '0', message: /--metric-labels-limit takes a whole number > 0/ },
  ];

  it('has a case for every serve flag', () => {
    const covered = new Set(cases().map((c) => c.flag));
    const missing = Object.values(serveFlags)
      .map((f) => f.name)
      .filter((name) => !covered.has(name));
    expect(missing, 'flags without a bad-value case').to.deep.equal([]);
  });

  /** A value that is wrongly accepted starts the exporter: it is killed after a while and reported. */
  async function run(args: string[], env: Record<string, string> = {}) {
    const child = spawnExporter(args, env);
    const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const { code } = await exitOf(child);
    clearTimeout(killer);
    return { code, output: child.output() };
  }

  it('exits 2 with one line naming the flag, for each bad value (as a flag and as an environment variable)', async () => {
    const bad = cases().filter((c): c is Extract<Case, { value: string }> => 'value' in c);
    const failures: string[] = [];
    const check = async (c: (typeof bad)[number], viaEnv: boolean) => {
      const spec = Object.values(serveFlags).find((f) => f.name === c.flag);
      const base = c.flag === 'kubeconfig' ? [] : [`--kubeconfig=${kubeconfig}`];
      const args = viaEnv ? base : [...base, `--${c.flag}=${c.value}`];
      const env = viaEnv && spec ? { [spec.env]: c.value } : {};
      // A flag beats its variable, so the listen address is only passed when it is not the case under test.
      const listen = c.flag === 'web.listen-address' ? [] : ['--web.listen-address=127.0.0.1:0'];
      const { code, output } = await run([...listen, ...args], env);
      const lines = output.trimEnd().split('\n');
      const what = `${viaEnv ? spec?.env : `--${c.flag}`}=${c.value}`;
      if (code !== 2) failures.push(`${what}: exit ${code}: ${output}`);
      else if (lines.length !== 1) failures.push(`${what}: ${lines.length} lines: ${output}`);
      // From a variable the reason also says where the value came from: `--log.level (from NETPOL_…) takes …`.
      else if (!c.message.test(output.replace(/ \(from [A-Z_]+\)/, '')))
        failures.push(`${what}: ${output.trim()} does not match ${c.message}`);
      else if (!output.startsWith('netpol-exporter: ')) failures.push(`${what}: ${output}`);
    };
    // A few processes at a time: each is a fresh Node with tsx.
    // The variable route shares the parsers, so a few cases prove it.
    const viaEnv = new Set(['kubeconfig', 'web.config.file', 'log.level', 'watch.stall-timeout']);
    const jobs = bad.flatMap((c) => [
      () => check(c, false),
      ...(viaEnv.has(c.flag) ? [() => check(c, true)] : []),
    ]);
    const workers = Array.from({ length: 3 }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) await job();
    });
    await Promise.all(workers);
    expect(failures).to.deep.equal([]);
  });

  it('exits 2 for an unknown flag, a missing value and a stray argument', async () => {
    for (const [args, message] of [
      [['--web.listen-adress=:1'], /unknown flag --web.listen-adress/],
      [['--log.level'], /--log.level needs a value/],
      [['serve', 'extra'], /unexpected argument "extra"/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ] as const) {
      const { code, output } = await run([...args]);
      expect(code, args.join(' ')).to.equal(2);
      expect(output).to.match(message);
      expect(output.trimEnd().split('\n')).to.have.length(1);
    }
  });
});
