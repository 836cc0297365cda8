// Bearer tokens read from a file as client-go reads them (transport.NewCachedFileTokenSource): again about once a
// minute, since projected service-account tokens rotate, and at once after a 401, since the API server has just said
// the token we hold is no longer good. One reader for the in-cluster token and a kubeconfig user's `tokenFile`.
import { readFileSync } from 'node:fs';
import type { KubeConfig, User } from '@kubernetes/client-node';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/** The auth-provider name the users rewritten here carry (client-node's own file reader answers `tokenFile`). */
const TOKEN_FILE_PROVIDER = 'netpol-exporter-token-file';

/** client-go reads the file again when the token is a minute old (less 10 s of leeway). */
export const TOKEN_REREAD_MS = 50_000;

interface Cached {
  token: string;
  readAtMs: number;
}

export class TokenFileAuth implements Authenticator {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly now: () => number = Date.now) {}

  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: unknown } | undefined)?.name === TOKEN_FILE_PROVIDER;
  }

  async applyAuthentication(user: User, opts: { headers?: Record<string, unknown> }): Promise<void> {
    const { path } = (user.authProvider as { config: { path: string } }).config;
    opts.headers ??= {};
    opts.headers.Authorization = `Bearer ${this.token(path)}`;
  }

  /** The file's token, read again when a minute old; the last good one while the file cannot be read. */
  token(path: string): string {
    const cached = this.cache.get(path);
    if (cached && this.now() - cached.readAtMs < TOKEN_REREAD_MS) return cached.token;
    try {
      const token = readTokenFile(path);
      this.cache.set(path, { token, readAtMs: this.now() });
      return token;
    } catch (err) {
      // As client-go: a rotation caught half-way (or a file briefly missing) keeps the token we have.
      if (cached) return cached.token;
      throw err;
    }
  }

  /** After a 401: the next request reads every file again. */
  expire(): void {
    for (const cached of this.cache.values()) cached.readAtMs = Number.NEGATIVE_INFINITY;
  }
}

/** The trimmed token in a file; an empty one is an error, as in client-go. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read token file ${path}: ${(err as Error).message}`);
  }
  const token = text.trim();
  if (token === '') throw new Error(`token file ${path} is empty`);
  return token;
}

const installed = new WeakMap<KubeConfig, TokenFileAuth>();

/**
 * Makes the named users of the kubeconfig authenticate with the token in their file (user name to path), read as
 * above. A token given beside the file is not used: the file wins, as in client-go.
 */
export function useTokenFiles(kc: KubeConfig, files: ReadonlyMap<string, string>): void {
  if (files.size === 0) return;
  let auth = installed.get(kc);
  if (!auth) {
    auth = new TokenFileAuth();
    installed.set(kc, auth);
    kc.addAuthenticator(auth);
  }
  kc.users = kc.users.map((user) => {
    const path = files.get(user.name);
    if (path === undefined) return user;
    const { token: _inline, authProvider: _provider, ...rest } = user;
    return { ...rest, authProvider: { name: TOKEN_FILE_PROVIDER, config: { path } } };
  });
}

/** The API server answered 401: the token files of this kubeconfig are read again on the next request. */
export function expireTokenFiles(kc: KubeConfig): void {
  installed.get(kc)?.expire();
}
