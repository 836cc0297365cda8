// What opens each namespace to the internet, read from a cluster: one paginated list per kind the server serves, and
// for a remediation the controller kinds. Apart from internet-facing.ts so that manifests mode never loads the
// Kubernetes client.
import {
  CONTROLLER_KINDS,
  type ControllerKind,
  EXPOSING_KINDS,
  listPath,
} from '../core/internet-facing/facts.ts';
import { ApiError, type KubeApi } from '../watch/kube-api.ts';
import {
  type ControllersRead,
  collect,
  collectController,
  collected,
  type InternetFacingInventory,
  internetFacingInventory,
} from './internet-facing.ts';

/**
 * From a cluster: kinds the server does not serve are skipped, forbidden ones are named in `unread` and warned. With
 * `controllers`, also the IngressClasses (when some Ingress exists) and GatewayClasses and Gateways (when some route
 * exists) that say where the traffic they forward comes from.
 */
export async function internetFacingFromCluster(
  api: KubeApi,
  pageSize: number,
  warnings: string[],
  fail: (what: string, err: unknown) => Error,
  options: { controllers?: boolean } = {},
): Promise<InternetFacingInventory> {
  const c = collected();
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
  let read: ControllersRead | undefined;
  if (options.controllers) {
    const wanted = (k: ControllerKind) => (k.kind === 'IngressClass' ? c.ingresses : c.routes).length > 0;
    const ok = new Set<string>();
    for (const kind of CONTROLLER_KINDS) {
      // Nothing to resolve: nothing to ask (and no permission needed).
      if (!wanted(kind)) {
        ok.add(kind.kind);
        continue;
      }
      for (const version of kind.versions) {
        try {
          const items = (await api.listAll(listPath(kind, version), pageSize)).items;
          for (const item of items) collectController(kind.kind, item, c);
          ok.add(kind.kind);
          break;
        } catch (err) {
          // Not served at any version: none exists, so no Ingress or route can name one.
          if (err instanceof ApiError && err.statusCode === 404) {
            if (version === kind.versions.at(-1)) ok.add(kind.kind);
            continue;
          }
          if (err instanceof ApiError && err.statusCode === 403) {
            warnings.push(
              `not permitted to list ${kind.resource}; which controllers forward to Ingress and route backends is not known, so their allows admit every source`,
            );
            break;
          }
          throw fail(kind.resource, err);
        }
      }
    }
    read = {
      ingressClasses: ok.has('IngressClass'),
      gatewayClasses: ok.has('GatewayClass'),
      gateways: ok.has('Gateway'),
    };
  }
  return internetFacingInventory(c, grantsKnown, new Map(), unread, read);
}
