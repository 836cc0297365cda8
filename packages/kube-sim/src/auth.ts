// Bearer-token authentication and a tiny RBAC: per token, which verbs on which resources. Enough to reproduce the
// 401 and 403 responses an exporter meets with a missing/expired token or a ClusterRole that lacks a verb.

import { randomBytes } from 'node:crypto';
import type { KindDef } from './kinds.ts';
import { kindKey } from './kinds.ts';

export interface Permission {
  /** Plural resource (`namespaces`), `plural.group`, or `*`. */
  resource: string;
  /** API group ('' = core). Omitted: any group. */
  group?: string;
  /** get, list, watch, create, update, patch, delete, or `*`. */
  verbs: string[];
}

interface Identity {
  user: string;
  permissions: Permission[];
}

export const ALL_PERMISSIONS: Permission[] = [{ resource: '*', verbs: ['*'] }];

export class Authenticator {
  private readonly tokens = new Map<string, Identity>();
  readonly adminToken: string;

  constructor(tokens: Record<string, Permission[]> = {}) {
    this.adminToken = `sim-admin-${randomBytes(16).toString('hex')}`;
    this.tokens.set(this.adminToken, { user: 'admin', permissions: ALL_PERMISSIONS });
    for (const [token, perms] of Object.entries(tokens)) this.addToken(token, perms);
  }

  /** The user name in 403 messages defaults to `user-<first 8 chars of the token>` (never the whole secret). */
  addToken(token: string, permissions: Permission[], user = `user-${token.slice(0, 8)}`): void {
    this.tokens.set(token, { user, permissions: structuredClone(permissions) });
  }

  setPermissions(token: string, permissions: Permission[]): void {
    const id = this.tokens.get(token);
    if (!id) throw new Error('setPermissions: unknown token (add it with addToken first)');
    id.permissions = structuredClone(permissions);
  }

  removeToken(token: string): void {
    if (token !== this.adminToken) this.tokens.delete(token);
  }

  /** Returns the identity for an `Authorization` header value, or undefined (-> 401). */
  authenticate(header: string | undefined): Identity | undefined {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    return m?.[1] ? this.tokens.get(m[1]) : undefined;
  }

  allowed(id: Identity, verb: string, k: KindDef): boolean {
    return id.permissions.some(
      (p) =>
        (p.verbs.includes('*') || p.verbs.includes(verb)) &&
        (p.resource === '*' || p.resource === k.resource || p.resource === kindKey(k)) &&
        (p.group === undefined || p.group === '*' || p.group === k.group),
    );
  }
}
