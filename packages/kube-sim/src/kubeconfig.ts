// kubeconfig YAML for kubectl and client-node: CA data inline (no files to clean up), a bearer-token user.

import YAML from 'yaml';

export interface KubeconfigParams {
  server: string;
  caPem: string | undefined;
  token: string;
  context: string;
  namespace?: string;
}

export function renderKubeconfig(p: KubeconfigParams): string {
  const cluster: Record<string, unknown> = { server: p.server };
  if (p.caPem) cluster['certificate-authority-data'] = Buffer.from(p.caPem).toString('base64');
  // Plain HTTP: client-node ignores TLS settings without skip-verify, and kubectl accepts the flag for http.
  else cluster['insecure-skip-tls-verify'] = true;
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: p.context, cluster }],
    users: [{ name: `${p.context}-user`, user: { token: p.token } }],
    contexts: [
      {
        name: p.context,
        context: { cluster: p.context, user: `${p.context}-user`, namespace: p.namespace ?? 'default' },
      },
    ],
    'current-context': p.context,
    preferences: {},
  });
}
