// Which namespaces the outside reaches. Objects follow the specs' examples: kubernetes.io Service (LoadBalancer,
// NodePort, externalIPs, loadBalancerSourceRanges), networking.k8s.io/v1 Ingress, gateway-api.sigs.k8s.io HTTPRoute
// (cross-namespace routing with a ReferenceGrant; a Gateway in an infra namespace), and the clouds' internal
// load balancer annotations.
import { expect } from 'chai';
import {
  classifyInternetFacing,
  type InternetFacingAnswer,
  viasOf,
} from '../../../src/core/internet-facing/classify.ts';
import {
  ingressFacts,
  type ReferenceGrantFacts,
  type RouteKind,
  referenceGrantFacts,
  routeFacts,
  serviceFacts,
} from '../../../src/core/internet-facing/facts.ts';
import { isPrivateRange } from '../../../src/core/internet-facing/private-ranges.ts';

const service = (namespace: string, name: string, spec: object, annotations: Record<string, string> = {}) =>
  serviceFacts({ metadata: { namespace, name, annotations }, spec }) ?? expect.fail('service facts');
const lb = (annotations: Record<string, string> = {}, extra: object = {}) =>
  service(
    'shop',
    'web',
    { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], ...extra },
    annotations,
  );

function classify(parts: {
  services?: ReturnType<typeof service>[];
  ingresses?: object[];
  routes?: [RouteKind, object][];
  grants?: object[] | undefined;
}): InternetFacingAnswer {
  return classifyInternetFacing({
    services: parts.services ?? [],
    ingresses: (parts.ingresses ?? []).map((o) => ingressFacts(o) ?? expect.fail('ingress facts')),
    routes: (parts.routes ?? []).map(([kind, o]) => routeFacts(kind, o) ?? expect.fail('route facts')),
    referenceGrants:
      parts.grants === undefined
        ? undefined
        : parts.grants.map((g) => referenceGrantFacts(g) as ReferenceGrantFacts),
  });
}

const vias = (answer: InternetFacingAnswer) =>
  Object.fromEntries([...answer.byNamespace].map(([ns, entries]) => [ns, viasOf(entries)]));

describe('internet-facing classifier', () => {
  describe('Services', () => {
    it('a LoadBalancer with no internal annotation is internet-facing, with the Service and the rule named', () => {
      const answer = classify({ services: [lb()] });
      const [entry] = answer.byNamespace.get('shop') ?? [];
      expect(entry?.via).to.equal('load_balancer');
      expect(entry?.object).to.deep.equal({ kind: 'Service', namespace: 'shop', name: 'web' });
      expect(entry?.rule).to.match(/no internal annotation/);
    });

    const internal: [string, Record<string, string>][] = [
      ['AWS (in-tree)', { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' }],
      [
        'AWS (in-tree, the old CIDR value)',
        { 'service.beta.kubernetes.io/aws-load-balancer-internal': '0.0.0.0/0' },
      ],
      ['AWS Load Balancer Controller', { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' }],
      ['Azure', { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' }],
      ['GKE', { 'networking.gke.io/load-balancer-type': 'Internal' }],
      ['GKE (lower case)', { 'networking.gke.io/load-balancer-type': 'internal' }],
      ['GKE (legacy key)', { 'cloud.google.com/load-balancer-type': 'Internal' }],
      ['OpenStack', { 'service.beta.kubernetes.io/openstack-internal-load-balancer': 'true' }],
      ['Alibaba Cloud', { 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': 'intranet' }],
      ['Hetzner', { 'load-balancer.hetzner.cloud/disable-public-network': 'true' }],
      ['Oracle Cloud', { 'service.beta.kubernetes.io/oci-load-balancer-internal': 'true' }],
      ['IBM Cloud', { 'service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type': 'private' }],
    ];
    for (const [cloud, annotations] of internal) {
      it(`an internal load balancer (${cloud}) is not internet-facing, and the annotation is named`, () => {
        const answer = classify({ services: [lb(annotations)] });
        expect(answer.byNamespace.size).to.equal(0);
        const key = Object.keys(annotations)[0] as string;
        expect(answer.notEntryPoints).to.have.length(1);
        expect(answer.notEntryPoints[0]?.rule).to.include(key);
      });
    }

    it('the opposite values keep a load balancer public', () => {
      const opposites: Record<string, string>[] = [
        { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'false' },
        { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing' },
        { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'false' },
        { 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': 'internet' },
      ];
      for (const annotations of opposites)
        expect(vias(classify({ services: [lb(annotations)] })), JSON.stringify(annotations)).to.deep.equal({
          shop: ['load_balancer'],
        });
    });

    it('loadBalancerSourceRanges of private ranges only make it not internet-facing; one public range keeps it', () => {
      const privateOnly = classify({
        services: [lb({}, { loadBalancerSourceRanges: ['10.0.0.0/8', '192.168.4.0/24'] })],
      });
      expect(privateOnly.byNamespace.size).to.equal(0);
      expect(privateOnly.notEntryPoints[0]?.rule).to.match(/private ranges only/);
      const mixed = classify({
        services: [lb({}, { loadBalancerSourceRanges: ['10.0.0.0/8', '203.0.113.0/24'] })],
      });
      expect(mixed.byNamespace.get('shop')?.[0]?.rule).to.include('203.0.113.0/24');
      const everyone = classify({ services: [lb({}, { loadBalancerSourceRanges: ['0.0.0.0/0'] })] });
      expect(vias(everyone)).to.deep.equal({ shop: ['load_balancer'] });
    });

    it('the source-ranges annotation counts when the field is empty', () => {
      const answer = classify({
        services: [
          lb({ 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.1.0.0/16, 172.20.0.0/16' }),
        ],
      });
      expect(answer.byNamespace.size).to.equal(0);
    });

    it('NodePort and externalIPs are ways in; ClusterIP and ExternalName are not', () => {
      const answer = classify({
        services: [
          service('a', 'np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }),
          service('b', 'ext', { type: 'ClusterIP', externalIPs: ['198.51.100.7'], ports: [{ port: 443 }] }),
          service('c', 'plain', { type: 'ClusterIP', ports: [{ port: 80 }] }),
          service('c', 'alias', { type: 'ExternalName', externalName: 'db.example.com' }),
        ],
      });
      expect(vias(answer)).to.deep.equal({ a: ['node_port'], b: ['external_ip'] });
      expect(answer.byNamespace.get('a')?.[0]?.rule).to.include('30080');
    });

    it('one namespace reached several ways lists each, in the metric order', () => {
      const answer = classify({
        services: [service('shop', 'np', { type: 'NodePort', externalIPs: ['198.51.100.7'] }), lb()],
        ingresses: [
          {
            metadata: { namespace: 'shop', name: 'www' },
            spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
          },
        ],
      });
      expect(vias(answer)).to.deep.equal({ shop: ['load_balancer', 'node_port', 'external_ip', 'ingress'] });
    });
  });

  describe('Ingresses', () => {
    it("an Ingress exposes its own namespace, with the backends' names", () => {
      const answer = classify({
        ingresses: [
          {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            metadata: { namespace: 'blog', name: 'minimal-ingress' },
            spec: {
              ingressClassName: 'nginx-example',
              rules: [
                {
                  http: {
                    paths: [
                      {
                        path: '/testpath',
                        pathType: 'Prefix',
                        backend: { service: { name: 'test', port: { number: 80 } } },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      });
      const [entry] = answer.byNamespace.get('blog') ?? [];
      expect(entry?.via).to.equal('ingress');
      expect(entry?.object).to.deep.equal({ kind: 'Ingress', namespace: 'blog', name: 'minimal-ingress' });
      expect(entry?.backends?.map((b) => [b.name, b.port])).to.deep.equal([['test', 80]]);
    });

    it('an Ingress with no backend exposes nothing, and says so', () => {
      const answer = classify({ ingresses: [{ metadata: { namespace: 'blog', name: 'empty' }, spec: {} }] });
      expect(answer.byNamespace.size).to.equal(0);
      expect(answer.notEntryPoints[0]?.rule).to.match(/no backend/);
    });
  });

  describe('Gateway API routes', () => {
    const httpRoute = (namespace: string, parent: object, backends: object[]) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { namespace, name: 'store' },
      spec: { parentRefs: [parent], rules: [{ backendRefs: backends }] },
    });

    it("a route whose parent Gateway lives in another namespace exposes the backend namespace, not the Gateway's", () => {
      const answer = classify({
        routes: [
          [
            'HTTPRoute',
            httpRoute('store', { name: 'shared-gateway', namespace: 'infra-ns' }, [
              { name: 'store-v1', port: 8080 },
            ]),
          ],
        ],
        grants: [],
      });
      expect(vias(answer)).to.deep.equal({ store: ['gateway_route'] });
      const [entry] = answer.byNamespace.get('store') ?? [];
      expect(entry?.rule).to.include('infra-ns/shared-gateway');
      expect(entry?.object).to.deep.equal({ kind: 'HTTPRoute', namespace: 'store', name: 'store' });
    });

    const grant = {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { namespace: 'bar', name: 'allow-foo' },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'foo' }],
        to: [{ group: '', kind: 'Service' }],
      },
    };
    const crossRoute = httpRoute('foo', { name: 'gw' }, [{ name: 'bar-svc', namespace: 'bar', port: 8080 }]);

    it('a backendRef into another namespace exposes that namespace when a ReferenceGrant there allows it', () => {
      const answer = classify({ routes: [['HTTPRoute', crossRoute]], grants: [grant] });
      expect(vias(answer)).to.deep.equal({ bar: ['gateway_route'] });
      expect(answer.byNamespace.get('bar')?.[0]?.rule).to.include('ReferenceGrant');
    });

    it('without a ReferenceGrant the cross-namespace backendRef is refused and exposes nothing', () => {
      const wrongKind = {
        ...grant,
        spec: {
          ...grant.spec,
          from: [{ group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'foo' }],
        },
      };
      for (const grants of [[], [wrongKind]]) {
        const answer = classify({ routes: [['HTTPRoute', crossRoute]], grants });
        expect(answer.byNamespace.size).to.equal(0);
        expect(answer.notEntryPoints[0]?.rule).to.include('not allowed by any ReferenceGrant');
      }
    });

    it('when ReferenceGrants are not known, the cross-namespace backendRef counts and the rule says why', () => {
      const answer = classify({ routes: [['HTTPRoute', crossRoute]], grants: undefined });
      expect(vias(answer)).to.deep.equal({ bar: ['gateway_route'] });
      expect(answer.byNamespace.get('bar')?.[0]?.rule).to.include('not known');
    });

    it('every route kind counts, and a request mirror reaches its backend too', () => {
      const kinds: RouteKind[] = ['GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];
      const answer = classify({
        routes: [
          ...kinds.map((kind, i): [RouteKind, object] => [
            kind,
            httpRoute(`ns${i}`, { name: 'gw' }, [{ name: 'b', port: 1 }]),
          ]),
          [
            'HTTPRoute',
            {
              metadata: { namespace: 'main', name: 'mirror' },
              spec: {
                parentRefs: [{ name: 'gw' }],
                rules: [
                  {
                    filters: [
                      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 } } },
                    ],
                  },
                ],
              },
            },
          ],
        ],
        grants: [],
      });
      expect(Object.keys(vias(answer))).to.deep.equal(['main', 'ns0', 'ns1', 'ns2', 'ns3']);
    });

    it('a route attached to a Service (mesh) or to nothing is not an entry point', () => {
      const answer = classify({
        routes: [
          [
            'HTTPRoute',
            httpRoute('mesh', { group: '', kind: 'Service', name: 'reviews' }, [
              { name: 'reviews-v2', port: 9080 },
            ]),
          ],
          [
            'HTTPRoute',
            {
              metadata: { namespace: 'lonely', name: 'r' },
              spec: { rules: [{ backendRefs: [{ name: 'x' }] }] },
            },
          ],
        ],
        grants: [],
      });
      expect(answer.byNamespace.size).to.equal(0);
      expect(answer.notEntryPoints.map((n) => n.rule)).to.deep.equal([
        'the route attaches to no Gateway (a Service parent is mesh traffic inside the cluster)',
        'the route names no parent Gateway',
      ]);
    });
  });

  describe('private ranges', () => {
    it('knows the private blocks, IPv4 and IPv6, and calls anything else or unreadable public', () => {
      for (const cidr of [
        '10.0.0.0/8',
        '10.2.3.0/24',
        '172.16.0.0/12',
        '172.31.255.0/24',
        '192.168.1.1/32',
        '100.64.0.0/10',
        'fd00::/8',
        'fe80::1/128',
        '::1/128',
        '10.0.0.1',
      ])
        expect(isPrivateRange(cidr), cidr).to.equal(true);
      for (const cidr of [
        '0.0.0.0/0',
        '10.0.0.0/7',
        '172.32.0.0/16',
        '8.8.8.8/32',
        '::/0',
        '2001:db8::/32',
        'garbage',
        '10.0.0.0/33',
        '1.2.3/8',
      ])
        expect(isPrivateRange(cidr), cidr).to.equal(false);
    });
  });
});
