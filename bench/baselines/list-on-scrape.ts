// Baseline (b): what scripts do. No cache and no watch: every scrape lists namespaces and NetworkPolicies from
// the API (paginated) and computes the verdicts from scratch with the same core, rendered with the same families.
import type { KubeConfig } from '@kubernetes/client-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { namespaceFacts, type PolicyFacts, policyFacts } from '../../src/core/facts.ts';
import { namespaceVerdict } from '../../src/core/verdict.ts';
import { type BodyPiece, encodedPiece } from '../../src/exposition/encoded-body.ts';
import { namespaceFamilies } from '../../src/exposition/families/namespace.ts';
import { renderHeader, renderSamples } from '../../src/exposition/family.ts';
import type { MetricsSource } from '../../src/http/server.ts';
import { KubeApi } from '../../src/watch/kube-api.ts';

export class ListOnScrapeExporter implements MetricsSource {
  private readonly api: KubeApi;
  private readonly registry = new Registry();

  constructor(
    kc: KubeConfig,
    private readonly pageSize: number,
  ) {
    this.api = new KubeApi(kc);
    collectDefaultMetrics({ register: this.registry });
  }

  readiness(): { ready: boolean; reason: string } {
    return { ready: true, reason: 'nothing to sync: every scrape lists' };
  }

  /** One piece rendered per scrape: nothing is kept between scrapes. */
  async metricsPieces(): Promise<BodyPiece[]> {
    return [encodedPiece(await this.render())];
  }

  private async render(): Promise<string> {
    const [namespaces, policies] = await Promise.all([
      this.api.listAll('/api/v1/namespaces', this.pageSize),
      this.api.listAll('/apis/networking.k8s.io/v1/networkpolicies', this.pageSize),
    ]);
    const byNamespace = new Map<string, PolicyFacts[]>();
    for (const item of policies.items) {
      const facts = policyFacts(item);
      if (!facts) continue;
      const list = byNamespace.get(facts.namespace) ?? [];
      list.push(facts);
      byNamespace.set(facts.namespace, list);
    }
    const verdicts = [];
    for (const item of namespaces.items) {
      const ns = namespaceFacts(item);
      if (ns) verdicts.push(namespaceVerdict(ns, byNamespace.get(ns.name) ?? []));
    }
    let out = '';
    for (const family of namespaceFamilies) {
      out += renderHeader(family);
      for (const verdict of verdicts) out += renderSamples(family, verdict);
    }
    return out + (await this.registry.metrics());
  }
}
