// When a Service of type LoadBalancer gets no address the internet can reach: the clouds' "internal" annotations,
// and loadBalancerSourceRanges that admit private addresses only. Each answer names the rule that decided.
import { isPrivateRange } from './private-ranges.ts';

interface InternalAnnotation {
  key: string;
  /** The annotation's value makes the load balancer internal. */
  internal: (value: string) => boolean;
  cloud: string;
}

const isTrue = (value: string) => value.trim().toLowerCase() === 'true';
const equalsIgnoreCase = (want: string) => (value: string) => value.trim().toLowerCase() === want;

/**
 * Where each key comes from (the providers' documentation, read in December 2026):
 * - AWS: `aws-load-balancer-internal` (in-tree provider: internal for any value but "false", kubernetes/website
 *   issue 15771; deprecated by the AWS Load Balancer Controller) and `aws-load-balancer-scheme: internal`
 *   (kubernetes-sigs.github.io/aws-load-balancer-controller, guide/service/annotations). The controller makes an
 *   internal NLB when the scheme is absent; we cannot tell which controller serves a Service, so an absent scheme
 *   counts as internet-facing (over-reporting an entry point is safer than hiding one).
 * - Azure: `azure-load-balancer-internal: "true"` (learn.microsoft.com/azure/aks/internal-lb;
 *   kubernetes-sigs.github.io/cloud-provider-azure/topics/loadbalancer).
 * - GCP: `networking.gke.io/load-balancer-type: "Internal"` and the older `cloud.google.com/load-balancer-type`
 *   (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters); some guides spell the
 *   value "internal", so the value is compared without case.
 * - OpenStack: `openstack-internal-load-balancer: "true"` (k8s.io/cloud-provider-openstack/pkg/openstack constants).
 * - Alibaba Cloud: `alibaba-cloud-loadbalancer-address-type: intranet`, also with the older `alicloud-` prefix
 *   (alibabacloud.com help, "Add annotations to the YAML file of a Service to configure CLB instances").
 * - Hetzner: `load-balancer.hetzner.cloud/disable-public-network: "true"` (hcloud-cloud-controller-manager issue 553).
 * - Oracle (OCI) `oci-load-balancer-internal` / `oci-network-load-balancer.oraclecloud.com/internal` and IBM Cloud
 *   `ibm-load-balancer-cloud-provider-ip-type: private`: from the providers' OKE and IKS pages as we know them; the
 *   pages we could retrieve did not quote the keys, so treat these two as less certain.
 */
const INTERNAL_ANNOTATIONS: readonly InternalAnnotation[] = [
  {
    key: 'service.beta.kubernetes.io/aws-load-balancer-internal',
    internal: (v) => v.trim().toLowerCase() !== 'false',
    cloud: 'AWS',
  },
  {
    key: 'service.beta.kubernetes.io/aws-load-balancer-scheme',
    internal: equalsIgnoreCase('internal'),
    cloud: 'AWS',
  },
  { key: 'service.beta.kubernetes.io/azure-load-balancer-internal', internal: isTrue, cloud: 'Azure' },
  { key: 'networking.gke.io/load-balancer-type', internal: equalsIgnoreCase('internal'), cloud: 'GCP' },
  { key: 'cloud.google.com/load-balancer-type', internal: equalsIgnoreCase('internal'), cloud: 'GCP' },
  {
    key: 'service.beta.kubernetes.io/openstack-internal-load-balancer',
    internal: isTrue,
    cloud: 'OpenStack',
  },
  {
    key: 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type',
    internal: equalsIgnoreCase('intranet'),
    cloud: 'Alibaba Cloud',
  },
  {
    key: 'service.beta.kubernetes.io/alicloud-loadbalancer-address-type',
    internal: equalsIgnoreCase('intranet'),
    cloud: 'Alibaba Cloud',
  },
  { key: 'load-balancer.hetzner.cloud/disable-public-network', internal: isTrue, cloud: 'Hetzner' },
  { key: 'service.beta.kubernetes.io/oci-load-balancer-internal', internal: isTrue, cloud: 'Oracle Cloud' },
  { key: 'oci-network-load-balancer.oraclecloud.com/internal', internal: isTrue, cloud: 'Oracle Cloud' },
  {
    key: 'service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type',
    internal: equalsIgnoreCase('private'),
    cloud: 'IBM Cloud',
  },
];

/** The older spelling of spec.loadBalancerSourceRanges, still honoured by the in-tree providers. */
const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/** The annotations this module reads: facts keep only these (a Service's other annotations can be large). */
export const LOAD_BALANCER_ANNOTATIONS: ReadonlySet<string> = new Set([
  ...INTERNAL_ANNOTATIONS.map((a) => a.key),
  SOURCE_RANGES_ANNOTATION,
]);

export type LoadBalancerVerdict =
  | { internetFacing: true; rule: string }
  | { internetFacing: false; rule: string };

/** Whether a LoadBalancer Service with these annotations and source ranges is reachable from the internet. */
export function judgeLoadBalancer(
  annotations: Readonly<Record<string, string>>,
  sourceRanges: readonly string[],
): LoadBalancerVerdict {
  for (const { key, internal, cloud } of INTERNAL_ANNOTATIONS) {
    const value = annotations[key];
    if (value !== undefined && internal(value))
      return { internetFacing: false, rule: `internal load balancer (${cloud}): ${key}=${value}` };
  }
  let ranges = sourceRanges;
  let field = 'spec.loadBalancerSourceRanges';
  const annotated = annotations[SOURCE_RANGES_ANNOTATION];
  if (ranges.length === 0 && annotated !== undefined) {
    ranges = annotated
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    field = `annotation ${SOURCE_RANGES_ANNOTATION}`;
  }
  if (ranges.length === 0)
    return {
      internetFacing: true,
      rule: 'type LoadBalancer with no internal annotation and no source ranges',
    };
  const open = ranges.filter((r) => !isPrivateRange(r));
  if (open.length === 0)
    return { internetFacing: false, rule: `${field} admit private ranges only (${ranges.join(', ')})` };
  return { internetFacing: true, rule: `${field} admit ${open.join(', ')}, not a private range` };
}
