// `netpol-exporter simulate`: flags for the simulated API server run alone.
import type { SimulatedCluster } from '@netpol-exporter/kube-sim';
import { createLogger } from '../support/log.ts';
import { flag, flagsHelp, parseArgs, parsers, UsageError } from './flags.ts';
import { stopOnSignals } from './serve.ts';
import { runSimulate } from './simulate.ts';

const nonNegativeInt = (raw: string, name: string) => {
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} takes a whole number, not ${JSON.stringify(raw)}`);
  return Number(raw);
};

export const simulateFlags = {
  scenario: flag({
    name: 'scenario',
    value: 'PATH',
    help: 'YAML manifests (file or folder) to seed',
    default: '',
    parse: parsers.string,
  }),
  scaleNamespaces: flag({
    name: 'scale-namespaces',
    value: 'N',
    help: 'generate N namespaces',
    default: '0',
    parse: nonNegativeInt,
  }),
  scalePolicies: flag({
    name: 'scale-policies-per-namespace',
    value: 'N',
    help: 'NetworkPolicies per generated namespace',
    default: '5',
    parse: nonNegativeInt,
  }),
  port: flag({
    name: 'port',
    value: 'PORT',
    help: 'port to listen on (0 picks one)',
    default: '0',
    parse: nonNegativeInt,
  }),
  churn: flag({ name: 'churn', value: 'N', help: 'changes per second', default: '0', parse: nonNegativeInt }),
  kubeconfigOut: flag({
    name: 'kubeconfig-out',
    value: 'PATH',
    help: 'where to write the kubeconfig (default: a temporary file)',
    default: '',
    parse: parsers.string,
  }),
};

export async function simulateMain(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const { values, help, positional } = parseArgs(simulateFlags, argv, env);
  if (help) {
    process.stdout.write(`Usage: netpol-exporter simulate [flags]\n\n${flagsHelp(simulateFlags)}\n`);
    return;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  if (values.port > 65535) throw new UsageError(`--port takes 0-65535, not ${values.port}`);
  const log = createLogger('info', 'logfmt');
  // Signals are handled before the URL is printed: whoever waits for that line may stop the server at once.
  let sim: SimulatedCluster | undefined;
  stopOnSignals(async () => {
    await sim?.stop();
  }, log);
  sim = await runSimulate(
    {
      ...(values.scenario ? { scenario: values.scenario } : {}),
      ...(values.scaleNamespaces > 0
        ? { scale: { namespaces: values.scaleNamespaces, policiesPerNamespace: values.scalePolicies } }
        : {}),
      port: values.port,
      churn: values.churn,
      ...(values.kubeconfigOut ? { kubeconfigOut: values.kubeconfigOut } : {}),
    },
    (line) => process.stdout.write(`${line}\n`),
  );
}
