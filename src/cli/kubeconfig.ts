// Where the exporter's credentials come from: --kubeconfig/KUBECONFIG, else in-cluster, else ~/.kube/config. When
// none exists we stop with one line saying where we looked: client-node would otherwise fall back to
// http://localhost:8080 and retry for ever with an error about TLS that names none of this.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
import { readTokenFile, useTokenFiles } from '../watch/token-file.ts';
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
    if (path) loadFile(kc, path);
    else if (env.KUBERNETES_SERVICE_HOST) loadInCluster(kc);
    else if (home !== '~/.kube/config' && existsSync(home)) loadFile(kc, home);
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

/**
 * A kubeconfig file, with its users' token files read as client-go reads them: `tokenFile` (client-go's spelling,
 * which client-node ignores) or `token-file` (which client-node reads once, relative to the working directory),
 * relative to the file's folder, read again about once a minute and after a 401.
 */
function loadFile(kc: KubeConfig, file: string): void {
  const text = readFileSync(file, 'utf8');
  const doc = YAML.parse(text) as { users?: unknown } | null;
  const files = new Map<string, string>();
  for (const entry of Array.isArray(doc?.users) ? doc.users : []) {
    const user = (entry as { user?: Record<string, unknown> } | null)?.user;
    const name = (entry as { name?: unknown }).name;
    const path = user?.tokenFile ?? user?.['token-file'];
    if (!user || typeof name !== 'string' || typeof path !== 'string' || path === '') continue;
    files.set(name, resolve(dirname(file), path));
    delete user.tokenFile;
    delete user['token-file'];
  }
  // Untouched unless a user names a token file: the text client-node reads is then the same config without it.
  kc.loadFromString(files.size > 0 ? YAML.stringify(doc) : text);
  kc.makePathsAbsolute(dirname(file));
  for (const [name, path] of files)
    try {
      readTokenFile(path);
    } catch (err) {
      throw new Error(`user ${JSON.stringify(name)}: ${(err as Error).message}`);
    }
  useTokenFiles(kc, files);
}

/** In a pod: the service-account token, read by the same reader as a kubeconfig's token files. */
function loadInCluster(kc: KubeConfig): void {
  kc.loadFromCluster();
  const files = new Map<string, string>();
  for (const user of kc.users) {
    const path = (user.authProvider as { config?: { tokenFile?: unknown } } | undefined)?.config?.tokenFile;
    if (typeof path === 'string') files.set(user.name, path);
  }
  useTokenFiles(kc, files);
}
