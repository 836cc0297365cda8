// The Node flags and environment production runs the exporter with, read from where production sets them: the
// image's ENTRYPOINT and ENV (Dockerfile) and NODE_OPTIONS of deploy/base's Deployment. The bench runs every child
// with them, so its figures are the deployment's, and fails when the two places disagree on a flag.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** `--name=value` flags by name, in order. */
function byName(flags: string[]): Map<string, string> {
  return new Map(flags.map((f) => [f.split('=')[0] ?? f, f]));
}

export function entrypointNodeFlags(dockerfile: string): string[] {
  const line = dockerfile.split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  if (!line) throw new Error('the Dockerfile has no ENTRYPOINT');
  const argv = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  // node, its flags, then the script.
  return argv
    .slice(1)
    .filter((a, i, all) => a.startsWith('--') && all.slice(0, i).every((b) => b.startsWith('--')));
}

/** The runtime stage's ENV (`ENV A=1 B=2` lines after the last FROM). */
export function runtimeEnv(dockerfile: string): Record<string, string> {
  const lines = dockerfile.split('\n');
  const last = lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  const env: Record<string, string> = {};
  for (const line of lines.slice(last + 1).filter((l) => l.startsWith('ENV ')))
    for (const pair of line.slice('ENV '.length).trim().split(/\s+/)) {
      const [key = '', ...value] = pair.split('=');
      if (key) env[key] = value.join('=');
    }
  return env;
}

export function productionEnv(root: string): Record<string, string> {
  return runtimeEnv(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
}

export function deploymentNodeOptions(manifest: string): string[] {
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as {
      kind?: string;
      spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
    };
    if (obj?.kind !== 'Deployment') continue;
    for (const c of obj.spec?.template?.spec?.containers ?? [])
      for (const e of c.env ?? [])
        if (e.name === 'NODE_OPTIONS') return (e.value ?? '').split(/\s+/).filter(Boolean);
  }
  return [];
}

export function productionNodeFlags(root: string): string[] {
  const image = entrypointNodeFlags(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
  const pod = deploymentNodeOptions(
    readFileSync(path.join(root, 'deploy', 'base', 'deployment.yaml'), 'utf8'),
  );
  const merged = byName(image);
  for (const [name, flag] of byName(pod)) {
    const other = merged.get(name);
    if (other !== undefined && other !== flag)
      throw new Error(`the Dockerfile ENTRYPOINT says ${other}, deploy/base NODE_OPTIONS says ${flag}`);
    merged.set(name, flag);
  }
  return [...merged.values()];
}

/** The Deployment's memory request and limit as written (e.g. 256Mi), for the bench to check against its figures. */
export function deploymentMemory(root: string): { request?: string; limit?: string } {
  const manifest = readFileSync(path.join(root, 'deploy', 'base', 'deployment.yaml'), 'utf8');
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as {
      kind?: string;
      spec?: {
        template?: {
          spec?: {
            containers?: { resources?: { requests?: { memory?: string }; limits?: { memory?: string } } }[];
          };
        };
      };
    };
    if (obj?.kind !== 'Deployment') continue;
    const resources = obj.spec?.template?.spec?.containers?.[0]?.resources;
    return {
      ...(resources?.requests?.memory ? { request: resources.requests.memory } : {}),
      ...(resources?.limits?.memory ? { limit: resources.limits.memory } : {}),
    };
  }
  return {};
}

/** What every child of the bench runs with. */
export interface Production {
  nodeFlags: string[];
  env: Record<string, string>;
}

export function production(root: string): Production {
  return { nodeFlags: productionNodeFlags(root), env: productionEnv(root) };
}
