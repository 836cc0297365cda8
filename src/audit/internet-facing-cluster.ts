// What opens each namespace to the internet, read from a cluster: one paginated list per kind the server serves. Apart
// from internet-facing.ts so that manifests mode never loads the Kubernetes client.
import { EXPOSING_KINDS, listPath } from '../core/internet-facing/facts.ts';
import { ApiError, type KubeApi } from '../watch/kube-api.ts';
import {
  type Collected,
  collect,
  type InternetFacingInventory,
  internetFacingInventory,
} from './internet-facing.ts';

/** From a cluster: kinds the server does not serve are skipped, forbidden ones are named in `unread` and warned. */
export async function internetFacingFromCluster(
  api: KubeApi,
  pageSize: number,
  warnings: string[],
  fail: (what: string, err: unknown) => Error,
): Promise<InternetFacingInventory> {
  const c: Collected = { services: [], ingresses: [], routes: [], grants: [] };
  const unread: string[] = [];
  let grantsKnown = false;
  for (const kind of EXPOSING_KINDS) {
    for (const version of kind.versions) {
      try {
        const items = (await api.listAll(listPath(kind, version), pageSize)).items;
        for (const item of items) collect(kind.kind, item, c);
        if (kind.kind === 'ReferenceGrant') grantsKnown = true;
        break;
      } catch (err) {
        if (err instanceof ApiError && err.statusCode === 404) continue;
        if (err instanceof ApiError && err.statusCode === 403) {
          unread.push(kind.resource);
          warnings.push(
            `not permitted to list ${kind.resource}; the namespaces they would open to the internet are not known`,
          );
          break;
        }
        throw fail(kind.resource, err);
      }
    }
  }
  // Not served at all: no Gateway API, so no ReferenceGrant can exist and none is needed.
  if (!grantsKnown && !unread.includes('referencegrants') && c.routes.length === 0) grantsKnown = true;
  return internetFacingInventory(c, grantsKnown, new Map(), unread);
}
