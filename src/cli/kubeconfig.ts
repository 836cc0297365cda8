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
    throw new UsageError(cannotLoad(path || home, path !== '' && path === env.KUBECONFIG, err));
  }
  if (context) {
    if (!kc.getContextObject(context))
      throw new UsageError(`--context: no context named ${JSON.stringify(context)}`);
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError('the kubeconfig names no current cluster (set --context)');
  refuseBadPort(cluster.server, cluster.name);
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

/** What went wrong with the file, and what to do about it. */
function cannotLoad(path: string, fromEnv: boolean, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const given = fromEnv ? `KUBECONFIG=${path}` : `--kubeconfig ${path}`;
  if (code === 'ENOENT' && fromEnv && path.includes(':'))
    return `${given} lists several files, and netpol-exporter reads one: name it with --kubeconfig (kubectl config view --flatten > FILE merges them)`;
  if (code === 'ENOENT')
    return `${given}: no such file; give the path of a kubeconfig (kubectl's is ~/.kube/config), or leave --kubeconfig and KUBECONFIG empty to use the in-cluster config or ~/.kube/config`;
  if (code === 'EACCES')
    return `${given}: permission denied; make it readable by this user, or copy it (kubectl config view --raw > FILE)`;
  if (code === 'EISDIR') return `${given} is a folder; give the path of the kubeconfig file in it`;
  return `cannot load kubeconfig ${path}: ${(err as Error).message}; check it with kubectl --kubeconfig ${path} config view`;
}

/**
 * Ports that fetch (undici, under @kubernetes/client-node) refuses to connect to: the WHATWG Fetch "bad port" list,
 * there to stop cross-protocol attacks. kubectl (Go) has no such list, so a server kubectl reaches can still be
 * one the exporter cannot, with nothing but `fetch failed (bad port)` to say why. A test holds this list to undici's.
 */
export const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

function refuseBadPort(server: string, cluster: string): void {
  let port: number;
  try {
    port = Number(new URL(server).port);
  } catch {
    return; // client-node says what is wrong with a server that is not a URL
  }
  if (FETCH_BAD_PORTS.has(port))
    throw new UsageError(
      `the API server ${server} (cluster ${JSON.stringify(cluster)}) is on port ${port}, which Node's fetch refuses to connect to (a "bad port" of the Fetch standard, kubectl has no such list): serve or forward the API server on another port, such as 6443, and set it in the kubeconfig`,
    );
}
