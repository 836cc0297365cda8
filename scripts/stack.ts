// `npm run stack`: the demo (simulated cluster + exporter, as `netpol-exporter demo`) plus a real Prometheus and
// Alertmanager loaded with the bundled rules, all on 127.0.0.1, so the alerts for the demo's uncovered namespaces
// can be watched firing in Prometheus' classic UI and with amtool. Ctrl-C stops every process by its PID and removes the temporary files.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesPath } from '../deploy/rules/generate.ts';
import {
  Alertmanager,
  onPath,
  Prometheus,
  portOrFree,
  type Stoppable,
  waitFor,
  withAlertFor,
} from './prometheus.ts';

const ROOT = new URL('../', import.meta.url).pathname;
/** The grace period of the stack's copy of the rules: long enough to see `pending` first, short enough to wait for. */
const ALERT_FOR = '10s';

function missingTools(): string[] {
  return ['prometheus', 'prometheus-alertmanager'].filter((command) => !onPath(command));
}

/** The demo as its own process, its output passed through; resolves with the exporter's address once it is ready. */
async function startDemo(
  port: number,
): Promise<{ address: string; pid: number | undefined; exited: Promise<void>; stop: () => Promise<void> }> {
  // process.execPath: npm runs this script on the project's Node 24 (node_modules/.bin/node). The condition makes the
  // simulator package load from its TypeScript source, as in the tests, not from its last build.
  const proc = spawn(
    process.execPath,
    [
      '--conditions=netpol-source',
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'demo',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proc.stdout?.on('data', (b: Buffer) => process.stdout.write(b));
  proc.stderr?.on('data', (b: Buffer) => process.stderr.write(b));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      process.kill(proc.pid, 'SIGTERM');
      await exited;
    }
  };
  const address = `127.0.0.1:${port}`;
  await waitFor(
    `the demo exporter ready at http://${address}/readyz`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`the demo exited (code ${proc.exitCode})`);
      return (await fetch(`http://${address}/readyz`)).ok ? true : undefined;
    },
    // The demo compiles its TypeScript as it starts: slow on a busy machine.
    90_000,
  ).catch(async (err) => {
    await stop();
    throw err;
  });
  return { address, pid: proc.pid, exited, stop };
}

async function main(): Promise<void> {
  const missing = missingTools();
  if (missing.length > 0) {
    process.stderr.write(
      `npm run stack needs Prometheus and Alertmanager, and ${missing.join(' and ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} not on PATH.\n` +
        'On Debian or Ubuntu install them with:\n\n' +
        '  sudo apt-get install prometheus prometheus-alertmanager\n\n' +
        'Their system services need not run: the stack starts its own processes on 127.0.0.1 with temporary\n' +
        'storage (on other ports when 9090 and 9093 are taken).\n',
    );
    process.exit(1);
  }

  const running: Stoppable[] = [];
  let stopping = false;
  const shutdown = async (code: number, why?: string) => {
    if (stopping) return;
    stopping = true;
    if (why) process.stderr.write(`\n${why}\n`);
    process.stdout.write('\nStopping Prometheus, Alertmanager and the demo...\n');
    // Reverse order: Prometheus stops sending before Alertmanager goes; the demo last.
    for (const s of running.reverse()) await s.stop().catch(() => {});
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  /** A part that dies on its own takes the stack down (the terminal's Ctrl-C may reach it first: wait a beat). */
  const watch = (name: string, exited: Promise<void>, logs: () => string): void => {
    void exited.then(() => {
      setTimeout(() => void shutdown(1, `${name} exited unexpectedly.\n${logs().slice(-2000)}`), 300);
    });
  };

  /**
   * Alertmanager for amtool without its scheme (amtool assumes http): a full http:// URL is a link terminals open,
   * and Alertmanager's root page is, in Debian's package, only a note that the web UI is left out.
   */
  const amtoolUrl = (url: string) => url.replace(/^http:/, '');

  try {
    const [exporterPort, alertmanagerPort, prometheusPort] = [
      await portOrFree(10111),
      await portOrFree(9093),
      await portOrFree(9090),
    ];
    const demo = await startDemo(exporterPort);
    running.push(demo);
    watch('The demo', demo.exited, () => '');

    const alertmanager = await Alertmanager.start({ port: alertmanagerPort });
    running.push(alertmanager);
    watch('Alertmanager', alertmanager.exited, () => alertmanager.logs);

    const prometheus = await Prometheus.start({
      port: prometheusPort,
      targets: [demo.address],
      targetLabels: { cluster: 'demo' },
      rules: [withAlertFor(readFileSync(rulesPath, 'utf8'), ALERT_FOR)],
      alertmanager: alertmanager.address,
      scrapeInterval: '5s',
      evaluationInterval: '5s',
    });
    running.push(prometheus);
    watch('Prometheus', prometheus.exited, () => prometheus.logs);

    process.stdout.write(`
The stack is up: the demo above, scraped every 5 s by a real Prometheus with the bundled rules
(${rulesPath}), sending alerts to a real Alertmanager.

  Prometheus alerts   ${prometheus.url}/classic/alerts
  Prometheus query    ${prometheus.url}/classic/graph?g0.expr=${encodeURIComponent('cluster:netpol_namespace_coverage:ratio')}&g0.tab=1
  Prometheus targets  ${prometheus.url}/classic/targets
  Alertmanager API    ${alertmanager.url}/api/v2/alerts
  Alertmanager CLI    amtool --alertmanager.url=${amtoolUrl(alertmanager.url)} alert
  Exporter metrics    http://${demo.address}/metrics

Every alert's \`for:\` is ${ALERT_FOR} in this stack's copy of the rules (15m for NetpolNamespaceUncovered in the real
ones), so NetpolNamespaceUncovered fires for the demo's uncovered namespaces within about half a minute. Run the
demo's "Protect a namespace" command above and watch its alert resolve. (Debian's Prometheus serves only its classic
UI, and Debian's Alertmanager ships no web UI: hence the classic pages, the API and amtool.) Prometheus PID ${prometheus.pid}, Alertmanager PID ${alertmanager.pid},
demo PID ${demo.pid}.

Press Ctrl-C to stop everything.
`);
  } catch (err) {
    await shutdown(1, `The stack did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}

await main();
