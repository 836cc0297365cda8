// Every serve flag with a bad value: exit code 2 and exactly one line that names the flag. The table must cover every
// flag: adding a flag without a row here fails the first test. A value the flag parser refuses is checked in this
// process (the CLI turns every UsageError into that one line and exit 2, which a few real processes prove); the
// values only starting the exporter can refuse (a kubeconfig, a web config) each run the real CLI.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseArgs, serveFlags, UsageError } from '../../src/cli/flags.ts';
import { exitOf, spawnExporter } from '../helpers/exporter.ts';

type Case = { flag: string; value: string; message: RegExp } | { flag: string; anyValue: string };

describe('flags with bad values exit 2 with a one-line reason', () => {
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
      // Given as the variable, the message names the variable the user set (KUBECONFIG=PATH).
      message: /(--kubeconfig |KUBECONFIG=)\S+missing: no such file; give the path of a kubeconfig/,
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
    { flag: 'watch.page-size', value: '100000', message: /--watch.page-size takes a whole number from 1 to/ },
    { flag: 'watch.stall-timeout', value: '90', message: /--watch.stall-timeout takes a duration/ },
    { flag: 'watch.stall-timeout', value: '0s', message: /--watch.stall-timeout takes a duration from 1s/ },
    { flag: 'watch.stall-timeout', value: '30d', message: /--watch.stall-timeout takes a duration from 1s/ },
    { flag: 'watch.list-timeout', value: 'never', message: /--watch.list-timeout takes a duration/ },
    { flag: 'watch.list-timeout', value: '30d', message: /--watch.list-timeout takes a duration from 1s/ },
    { flag: 'exemption.annotation-prefix', value: 'a/b/c', message: /--exemption.annotation-prefix takes/ },
    {
      flag: 'exemption.max-duration',
      value: 'forever',
      message: /--exemption.max-duration takes a duration/,
    },
    { flag: 'namespaces.exclude-selector', value: 'a in (', message: /--namespaces.exclude-selector: / },
    { flag: 'coverage-sources', value: 'networkpolicy,firewall', message: /--coverage-sources/ },
    { flag: 'discovery.interval', value: '5 minutes', message: /--discovery.interval takes a duration/ },
    { flag: 'discovery.interval', value: '0s', message: /--discovery.interval takes a duration from 1s/ },
    { flag: 'discovery.interval', value: '30d', message: /--discovery.interval takes a duration from 1s/ },
    { flag: 'pod-isolation', value: 'yes', message: /--pod-isolation takes true or false, not "yes"/ },
    { flag: 'exposure', value: 'no', message: /--exposure takes true or false, not "no"/ },
    { flag: 'internet-facing', value: 'off', message: /--internet-facing takes true or false, not "off"/ },
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

  /**
   * A value that is wrongly accepted starts the exporter: once it says it listens it is killed, and reported. No
   * deadline: a busy machine may take long to start a process, and the verdict waits for it.
   */
  async function run(args: string[], env: Record<string, string> = {}) {
    const child = spawnExporter(args, env);
    const killIfServing = () => {
      if (child.output().includes('netpol-exporter listening')) child.kill('SIGKILL');
    };
    child.stdout?.on('data', killIfServing);
    child.stderr?.on('data', killIfServing);
    const { code } = await exitOf(child);
    return { code, output: child.output() };
  }

  type Bad = Extract<Case, { value: string }>;
  const badValues = () => cases().filter((c): c is Bad => 'value' in c);
  const specOf = (c: Bad) => Object.values(serveFlags).find((f) => f.name === c.flag);
  /** The argv and environment of a case, as a flag or as its variable. */
  function invocation(c: Bad, viaEnv: boolean) {
    const base = c.flag === 'kubeconfig' ? [] : [`--kubeconfig=${kubeconfig}`];
    const spec = specOf(c);
    const env: Record<string, string> = viaEnv && spec ? { [spec.env]: c.value } : {};
    // A flag beats its variable, so the listen address is only passed when it is not the case under test.
    const listen = c.flag === 'web.listen-address' ? [] : ['--web.listen-address=127.0.0.1:0'];
    return { args: [...listen, ...base, ...(viaEnv ? [] : [`--${c.flag}=${c.value}`])], env };
  }
  const what = (c: Bad, viaEnv: boolean) => `${viaEnv ? specOf(c)?.env : `--${c.flag}`}=${c.value}`;
  /** From a variable the reason also says where the value came from: `--log.level (from NETPOL_…) takes …`. */
  const matches = (c: Bad, text: string) => c.message.test(text.replace(/ \(from [A-Z_]+\)/, ''));

  /** The parser's verdict on a case: its reason, or undefined when only starting the exporter can refuse it. */
  function parserReason(c: Bad, viaEnv: boolean): string | undefined {
    const { args, env } = invocation(c, viaEnv);
    try {
      parseArgs(serveFlags, args, env);
      return undefined;
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      return err.message;
    }
  }

  /**
   * What only starting the exporter can refuse (a file to read, a context to find): run through the real CLI, one
   * test per process so that each has the suite's whole timeout on a busy machine. Everything else the parser refuses.
   */
  const START_CHECKED: { flag: string; nth: number; viaEnv: boolean }[] = [
    { flag: 'kubeconfig', nth: 0, viaEnv: false },
    { flag: 'kubeconfig', nth: 0, viaEnv: true },
    { flag: 'context', nth: 0, viaEnv: false },
    { flag: 'web.config.file', nth: 0, viaEnv: false },
    { flag: 'web.config.file', nth: 1, viaEnv: false },
  ];
  const startChecked = (c: Bad) => START_CHECKED.some((s) => s.flag === c.flag);

  it('refuses each other bad value in the flag parser with one line naming the flag (as a flag and as a variable)', () => {
    const failures: string[] = [];
    for (const c of badValues())
      for (const viaEnv of [false, true]) {
        const reason = parserReason(c, viaEnv);
        if (startChecked(c)) {
          if (reason !== undefined) failures.push(`${what(c, viaEnv)}: refused before start: ${reason}`);
        } else if (reason === undefined) failures.push(`${what(c, viaEnv)}: accepted`);
        else if (reason.includes('\n')) failures.push(`${what(c, viaEnv)}: several lines: ${reason}`);
        else if (!matches(c, reason))
          failures.push(`${what(c, viaEnv)}: ${reason} does not match ${c.message}`);
      }
    expect(failures).to.deep.equal([]);
  });

  for (const { flag, nth, viaEnv } of START_CHECKED)
    it(`exits 2 with one line naming --${flag} through the real CLI (case ${nth + 1}${viaEnv ? ', as a variable' : ''})`, async () => {
      const c = badValues().filter((b) => b.flag === flag)[nth];
      if (!c) throw new Error(`no case ${nth} for --${flag}`);
      const { args, env } = invocation(c, viaEnv);
      const { code, output } = await run(args, env);
      expect(code, output).to.equal(2);
      expect(output.trimEnd().split('\n'), output).to.have.length(1);
      expect(output).to.match(/^netpol-exporter: /);
      expect(matches(c, output), `${output.trim()} does not match ${c.message}`).to.equal(true);
    });

  // A refusal of the flag parser is a UsageError like these: the CLI prints it as one line and exits 2.
  for (const [args, message] of [
    [['--web.listen-adress=:1'], /unknown flag --web.listen-adress/],
    [['--log.level'], /--log.level needs a value/],
    [['--watch.stall-timeout=30d'], /--watch.stall-timeout takes a duration from 1s to 1h/],
    [['serve', 'extra'], /unexpected argument "extra"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ] as const)
    it(`exits 2 with one line for ${args.join(' ')}`, async () => {
      const { code, output } = await run([...args]);
      expect(code, output).to.equal(2);
      expect(output).to.match(message);
      expect(output.trimEnd().split('\n')).to.have.length(1);
    });
});
