// Where the exporter's credentials come from: --kubeconfig/KUBECONFIG, else in-cluster, else ~/.kube/config.
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from './flags.ts';

export function loadKubeConfig(path: string, context: string, env = process.env): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (err) {
    throw new UsageError(`cannot load kubeconfig ${path || '(default)'}: ${(err as Error).message}`);
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
