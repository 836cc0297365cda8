// Where the exporter's credentials come from: --kubeconfig/KUBECONFIG, else in-cluster, else ~/.kube/config. When
// none exists we stop with one line saying where we looked: client-node would otherwise fall back to
// http://localhost:8080 and retry for ever with an error about TLS that names none of this.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from './flags.ts';

/** ~/.kube/config; a user with no home (no HOME, no passwd entry: uid 65532 in a distroless image) has none. */
function defaultKubeconfig(env: Record<string, string | undefined>): string {
  try {
    return join(env.HOME || homedir(), '.kube', 'config');
  } catch {
    return '~/.kube/config';
  }
}

export function loadKubeConfig(path: string, context: string, env = process.env): KubeConfig {
  const kc = new KubeConfig();
  const home = defaultKubeconfig(env);
  try {
    if (path) kc.loadFromFile(path);
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else if (home !== '~/.kube/config' && existsSync(home)) kc.loadFromFile(home);
    else
      throw new UsageError(
        `no cluster configuration found: no --kubeconfig or KUBECONFIG, not in a cluster (KUBERNETES_SERVICE_HOST is unset), and no ${home}`,
      );
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot load kubeconfig ${path || home}: ${(err as Error).message}`);
  }
  if (context) {
    if (!kc.getContextObject(context))
      throw new UsageError(`--context: no context named ${JSON.stringify(context)}`);
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster())
    throw new UsageError('the kubeconfig names no current cluster (set --context)');
  return kc;
}
