// Which pods forward an Ingress's or a route's traffic. Objects follow the implementations' own charts and
// generated resources: ingress-nginx's controller Service, Istio's and NGINX Gateway Fabric's per-Gateway Service
// (gateway.networking.k8s.io/gateway-name), Envoy Gateway's proxy Service in envoy-gateway-system, Contour's
// provisioned envoy-GATEWAY, Traefik's chart, and the controllers that send from outside the pod network.
import { expect } from 'chai';
import {
  type ControllerInput,
  type Forwarder,
  findForwarders,
  ingressForwarder,
  routeForwarder,
} from '../../../src/core/internet-facing/controllers.ts';
import {
  gatewayClassFacts,
  gatewayFacts,
  ingressClassFacts,
  ingressFacts,
  routeFacts,
  type ServiceFacts,
  serviceFacts,
} from '../../../src/core/internet-facing/facts.ts';

const service = (namespace: string, name: string, selector: Record<string, string>, type = 'LoadBalancer') =>
  serviceFacts({
    metadata: { namespace, name },
    spec: { type, selector, ports: [{ port: 80 }] },
  }) as ServiceFacts;
const ingressClass = (name: string, controller: string, isDefault = false) =>
  ingressClassFacts({
    metadata: {
      name,
      ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}),
    },
    spec: { controller },
  }) ?? expect.fail('ingress class');
const gatewayClass = (name: string, controllerName: string) =>
  gatewayClassFacts({ metadata: { name }, spec: { controllerName } }) ?? expect.fail('gateway class');
const gateway = (namespace: string, name: string, gatewayClassName: string) =>
  gatewayFacts({ metadata: { namespace, name }, spec: { gatewayClassName } }) ?? expect.fail('gateway');
const ingress = (spec: object, annotations: Record<string, string> = {}) =>
  ingressFacts({
    metadata: { namespace: 'blog', name: 'www', annotations },
    spec: { defaultBackend: { service: { name: 'blog', port: { number: 80 } } }, ...spec },
  }) ?? expect.fail('ingress');
const route = (...parents: { name: string; namespace?: string }[]) =>
  routeFacts('HTTPRoute', {
    metadata: { namespace: 'store', name: 'store' },
    spec: { parentRefs: parents, rules: [{ backendRefs: [{ name: 'store', port: 8080 }] }] },
  }) ?? expect.fail('route');

const NGINX_SELECTOR = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/instance': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};
const input = (extra: Partial<ControllerInput> = {}): ControllerInput => ({
  services: [
    // The admission webhook's Service selects the same pods: they are named once, by the public Service.
    service('ingress-nginx', 'ingress-nginx-controller-admission', NGINX_SELECTOR, 'ClusterIP'),
    service('ingress-nginx', 'ingress-nginx-controller', NGINX_SELECTOR),
    service('blog', 'blog', { app: 'blog' }, 'ClusterIP'),
  ],
  ingressClasses: [ingressClass('nginx', 'k8s.io/ingress-nginx')],
  gatewayClasses: [],
  gateways: [],
  ...extra,
});
const namespacesOf = (f: Forwarder) =>
  f.kind === 'pods' ? f.proxies.map((p) => `${p.namespace}/${p.service}`) : f.kind;

describe('where forwarded traffic comes from', () => {
  describe('Ingress: class -> IngressClass controller -> the Service that selects its pods', () => {
    it('ingress-nginx by spec.ingressClassName: its controller pods, with every step of the rule named', () => {
      const f = ingressForwarder(ingress({ ingressClassName: 'nginx' }), input());
      expect(f).to.deep.equal({
        kind: 'pods',
        proxies: [
          {
            namespace: 'ingress-nginx',
            service: 'ingress-nginx-controller',
            selector: NGINX_SELECTOR,
            implementation: 'ingress-nginx',
          },
        ],
        rule: 'spec.ingressClassName nginx: controller k8s.io/ingress-nginx is ingress-nginx, whose pods Service ingress-nginx/ingress-nginx-controller selects (app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller)',
      });
    });

    it('the older annotation names the class too; the field wins over it', () => {
      const classes = [
        ingressClass('nginx', 'k8s.io/ingress-nginx'),
        ingressClass('cilium', 'cilium.io/ingress-controller'),
      ];
      const byAnnotation = ingressForwarder(
        ingress({}, { 'kubernetes.io/ingress.class': 'nginx' }),
        input({ ingressClasses: classes }),
      );
      expect(namespacesOf(byAnnotation)).to.deep.equal(['ingress-nginx/ingress-nginx-controller']);
      expect(byAnnotation.rule).to.match(/^annotation kubernetes.io\/ingress.class nginx:/);
      const both = ingressForwarder(
        ingress({ ingressClassName: 'cilium' }, { 'kubernetes.io/ingress.class': 'nginx' }),
        input({ ingressClasses: classes }),
      );
      expect(both.kind).to.equal('outside');
    });

    it('an Ingress that names no class gets the one default IngressClass; with none or two it is not known', () => {
      const one = ingressForwarder(
        ingress({}),
        input({ ingressClasses: [ingressClass('nginx', 'k8s.io/ingress-nginx', true)] }),
      );
      expect(namespacesOf(one)).to.deep.equal(['ingress-nginx/ingress-nginx-controller']);
      expect(one.rule).to.match(/^no class named, IngressClass nginx is the default:/);
      expect(ingressForwarder(ingress({}), input()).kind).to.equal('unknown');
      const two = [
        ingressClass('a', 'k8s.io/ingress-nginx', true),
        ingressClass('b', 'k8s.io/ingress-nginx', true),
      ];
      expect(ingressForwarder(ingress({}), input({ ingressClasses: two })).rule).to.contain(
        'more than one IngressClass is the default',
      );
    });

    it('Traefik, HAProxy (with a class suffix), Kong (class-named controller) and Istio are found by their labels', () => {
      const cases: [string, string, Record<string, string>][] = [
        [
          'traefik.io/ingress-controller',
          'kube-system',
          { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' },
        ],
        [
          'haproxy.org/ingress-controller/public',
          'haproxy',
          { 'app.kubernetes.io/name': 'kubernetes-ingress', 'app.kubernetes.io/instance': 'haproxy' },
        ],
        [
          'ingress-controllers.konghq.com/kong',
          'kong',
          {
            'app.kubernetes.io/name': 'kong',
            'app.kubernetes.io/component': 'app',
            'app.kubernetes.io/instance': 'kong',
          },
        ],
        [
          'istio.io/ingress-controller',
          'istio-system',
          { app: 'istio-ingressgateway', istio: 'ingressgateway' },
        ],
      ];
      for (const [controller, namespace, selector] of cases) {
        const f = ingressForwarder(
          ingress({ ingressClassName: 'c' }),
          input({
            services: [service(namespace, 'proxy', selector)],
            ingressClasses: [ingressClass('c', controller)],
          }),
        );
        expect(namespacesOf(f), controller).to.deep.equal([`${namespace}/proxy`]);
      }
    });

    it('controllers that send from outside the pod network, and a controller nobody recognises, leave it open with the reason', () => {
      const alb = ingressForwarder(
        ingress({ ingressClassName: 'alb' }),
        input({ ingressClasses: [ingressClass('alb', 'ingress.k8s.aws/alb')] }),
      );
      expect(alb).to.deep.include({ kind: 'outside' });
      expect(alb.rule).to.contain(
        'the AWS Load Balancer Controller: the load balancer reaches the pods from its own addresses',
      );
      const gce = ingressForwarder(
        ingress({}, { 'kubernetes.io/ingress.class': 'gce' }),
        input({ ingressClasses: [] }),
      );
      expect(gce).to.deep.include({ kind: 'outside' });
      expect(gce.rule).to.match(/^annotation kubernetes.io\/ingress.class: class gce is GKE/);
      const odd = ingressForwarder(
        ingress({ ingressClassName: 'x' }),
        input({ ingressClasses: [ingressClass('x', 'example.com/ingress')] }),
      );
      expect(odd).to.deep.equal({
        kind: 'unknown',
        rule: 'spec.ingressClassName x: controller example.com/ingress is not an implementation netpol-exporter recognises',
      });
    });

    it('a recognised controller whose pods no Service selects, a missing IngressClass, or IngressClasses not read: not known', () => {
      expect(ingressForwarder(ingress({ ingressClassName: 'nginx' }), input({ services: [] })).rule).to.equal(
        'spec.ingressClassName nginx: controller k8s.io/ingress-nginx is ingress-nginx, but no Service in the input selects its pods (app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller)',
      );
      expect(ingressForwarder(ingress({ ingressClassName: 'other' }), input()).rule).to.contain(
        'no IngressClass other in the input',
      );
      expect(
        ingressForwarder(ingress({ ingressClassName: 'nginx' }), input({ ingressClasses: undefined })).kind,
      ).to.equal('unknown');
    });
  });

  describe('route: parent Gateway -> GatewayClass controller -> its proxy', () => {
    it("Istio and NGINX Gateway Fabric: the per-Gateway proxy in the Gateway's namespace, not a same-named Gateway's elsewhere", () => {
      for (const controllerName of [
        'istio.io/gateway-controller',
        'gateway.nginx.org/nginx-gateway-controller',
      ]) {
        const f = routeForwarder(
          route({ name: 'gw', namespace: 'edge' }),
          input({
            services: [
              service('edge', 'gw-istio', { 'gateway.networking.k8s.io/gateway-name': 'gw' }),
              service('elsewhere', 'gw-istio', { 'gateway.networking.k8s.io/gateway-name': 'gw' }),
            ],
            gatewayClasses: [gatewayClass('cls', controllerName)],
            gateways: [gateway('edge', 'gw', 'cls'), gateway('elsewhere', 'gw', 'cls')],
          }),
        );
        expect(namespacesOf(f), controllerName).to.deep.equal(['edge/gw-istio']);
        expect(f.rule).to.contain('(gateway.networking.k8s.io/gateway-name=gw)');
      }
    });

    it('Envoy Gateway: the proxy in its controller namespace, by the owning Gateway name and namespace', () => {
      const owning = (ns: string, name: string) => ({
        'app.kubernetes.io/name': 'envoy',
        'app.kubernetes.io/component': 'proxy',
        'app.kubernetes.io/managed-by': 'envoy-gateway',
        'gateway.envoyproxy.io/owning-gateway-name': name,
        'gateway.envoyproxy.io/owning-gateway-namespace': ns,
      });
      const f = routeForwarder(
        route({ name: 'eg' }),
        input({
          services: [
            service('envoy-gateway-system', 'envoy-store-eg-1a2b', owning('store', 'eg')),
            service('envoy-gateway-system', 'envoy-other-eg-3c4d', owning('other', 'eg')),
          ],
          gatewayClasses: [gatewayClass('eg', 'gateway.envoyproxy.io/gatewayclass-controller')],
          gateways: [gateway('store', 'eg', 'eg')],
        }),
      );
      expect(namespacesOf(f)).to.deep.equal(['envoy-gateway-system/envoy-store-eg-1a2b']);
    });

    it("Contour's provisioner: envoy-GATEWAY in the Gateway's namespace; Traefik: its own pods", () => {
      const contour = routeForwarder(
        route({ name: 'contour', namespace: 'projectcontour' }),
        input({
          services: [service('projectcontour', 'envoy-contour', { app: 'envoy-contour' })],
          gatewayClasses: [gatewayClass('contour', 'projectcontour.io/gateway-controller')],
          gateways: [gateway('projectcontour', 'contour', 'contour')],
        }),
      );
      expect(namespacesOf(contour)).to.deep.equal(['projectcontour/envoy-contour']);
      const traefik = routeForwarder(
        route({ name: 'web', namespace: 'traefik' }),
        input({
          services: [service('traefik', 'traefik', { 'app.kubernetes.io/name': 'traefik' })],
          gatewayClasses: [gatewayClass('traefik', 'traefik.io/gateway-controller')],
          gateways: [gateway('traefik', 'web', 'traefik')],
        }),
      );
      expect(namespacesOf(traefik)).to.deep.equal(['traefik/traefik']);
    });

    it('GKE, AWS and Cilium Gateways send from outside the pod network; a missing Gateway or class is not known', () => {
      for (const controllerName of [
        'networking.gke.io/gateway',
        'gateway.k8s.aws/alb',
        'io.cilium/gateway-controller',
      ])
        expect(
          routeForwarder(
            route({ name: 'gw' }),
            input({
              gatewayClasses: [gatewayClass('c', controllerName)],
              gateways: [gateway('store', 'gw', 'c')],
            }),
          ).kind,
          controllerName,
        ).to.equal('outside');
      expect(routeForwarder(route({ name: 'gw' }), input()).rule).to.equal(
        'Gateway store/gw is not in the input, so its proxy is not known',
      );
      expect(
        routeForwarder(route({ name: 'gw' }), input({ gateways: [gateway('store', 'gw', 'nope')] })).rule,
      ).to.contain('no GatewayClass nope in the input');
    });

    it("a route's parents together: one that cannot be named opens it, and the other's proxy still counts for egress", () => {
      const parts = input({
        services: [service('edge', 'a-istio', { 'gateway.networking.k8s.io/gateway-name': 'a' })],
        gatewayClasses: [gatewayClass('istio', 'istio.io/gateway-controller')],
        gateways: [gateway('edge', 'a', 'istio')],
      });
      const r = route({ name: 'a', namespace: 'edge' }, { name: 'b', namespace: 'edge' });
      expect(routeForwarder(r, parts).kind).to.equal('unknown');
      const answer = findForwarders([], [r], parts);
      expect(answer.byObject.get('HTTPRoute store/store')?.kind).to.equal('unknown');
      expect(
        answer.proxies.map((p) => [`${p.proxy.namespace}/${p.proxy.service}`, p.forObjects]),
      ).to.deep.equal([['edge/a-istio', ['HTTPRoute store/store']]]);
    });
  });
});
