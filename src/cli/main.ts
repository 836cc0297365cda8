// Command-line entry: `netpol-exporter [serve|demo|simulate] [flags]`. Usage errors exit 2 with one line.

import { buildInfo } from '../support/build-info.ts';
import { flagsHelp, parseArgs, type ServeConfig, serveFlags, UsageError } from './flags.ts';

const COMMANDS: Record<string, string> = {
  serve: 'watch the cluster and serve metrics (the default)',
  demo: 'run the exporter against a built-in simulated cluster with churn',
  simulate: 'run the simulated Kubernetes API server alone',
  audit: 'list namespaces without network policy (live or --manifests) and exit 1 if any (see audit --help)',
  remediate: 'write default-deny NetworkPolicy YAML for uncovered namespaces (see remediate --help)',
};

function usage(): string {
  const commands = Object.entries(COMMANDS)
    .map(([name, text]) => `  ${name.padEnd(10)} ${text}`)
    .join('\n');
  return `Usage: netpol-exporter [command] [flags]

Prometheus exporter for Kubernetes NetworkPolicy coverage (CIS 5.3.2).

Commands:
${commands}

Flags (serve and demo; each has the environment variable shown):
${flagsHelp(serveFlags)}
  --help                               show this help
  --version                            show the version
`;
}

async function serve(config: ServeConfig): Promise<void> {
  // Loaded on demand so that --help, usage errors and the one-shot commands load neither the Kubernetes client nor
  // the logger.
  const { loadKubeConfig } = await import('./kubeconfig.ts');
  const { createLogger } = await import('../support/log.ts');
  const { startExporter, stopOnSignals } = await import('./serve.ts');
  const log = createLogger(config.logLevel, config.logFormat);
  const kc = loadKubeConfig(config.kubeconfig, config.context);
  const running = await startExporter(config, kc, log);
  stopOnSignals(running.stop, log);
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  if (argv.includes('--version')) {
    process.stdout.write(
      `netpol-exporter ${buildInfo.version} (revision ${buildInfo.revision}, node ${process.version})\n`,
    );
    return;
  }
  const first = argv[0];
  const command = first !== undefined && !first.startsWith('-') ? first : 'serve';
  const rest = command === first ? argv.slice(1) : argv;
  if (command === 'help') {
    process.stdout.write(usage());
    return;
  }
  if (!(command in COMMANDS)) throw new UsageError(`unknown command ${JSON.stringify(command)} (see --help)`);
  if (command === 'simulate') {
    const { simulateMain } = await import('./simulate-main.ts');
    return simulateMain(rest, env);
  }
  if (command === 'audit' || command === 'remediate') {
    const { exitAfterFlush } = await import('./exit.ts');
    const run =
      command === 'audit'
        ? (await import('./audit.ts')).auditMain
        : (await import('./remediate.ts')).remediateMain;
    return exitAfterFlush(await run(rest, env));
  }
  const { values, help, positional } = parseArgs(serveFlags, rest, env);
  if (help) {
    process.stdout.write(usage());
    return;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  if (command === 'demo') {
    const { runDemo } = await import('./demo.ts');
    return runDemo(values);
  }
  return serve(values);
}

main(process.argv.slice(2), process.env).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`netpol-exporter: ${err.message}\n`);
    process.exit(2);
  }
  if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
    // The reader of stdout went away (`| head`): the output is cut short, which is not a finding (exit 1 means
    // uncovered namespaces to audit's users), so it ends as the other input and output errors do.
    process.stderr.write(
      'netpol-exporter: stdout was closed before the output was written (its reader exited)\n',
    );
    process.exit(2);
  }
  process.stderr.write(`netpol-exporter: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
