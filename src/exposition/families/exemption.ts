// Per-namespace exemption families: whether an exemption holds, who owns it, when it expires, and why a
// malformed one does not count. Coverage families are untouched: an exempt namespace still reports covered 0.
import type { NamespaceContext } from '../../core/context/namespace-context.ts';
import type { Family } from '../family.ts';

export const exemptionFamilies: Family<NamespaceContext>[] = [
  {
    name: 'netpol_namespace_exempt',
    help: '1 while a well-formed, unexpired exemption holds for the namespace, else 0.',
    type: 'gauge',
    labels: ['namespace'],
    samples: (c) => [{ labels: [['namespace', c.name]], value: c.exemption.state === 'valid' ? 1 : 0 }],
  },
  {
    name: 'netpol_namespace_exemption_info',
    help: 'A well-formed exemption (valid or expired), with its owner and reason; always 1.',
    type: 'gauge',
    labels: ['namespace', 'owner', 'reason'],
    samples: (c) =>
      c.exemption.state === 'valid' || c.exemption.state === 'expired'
        ? [
            {
              labels: [
                ['namespace', c.name],
                ['owner', c.exemption.owner],
                ['reason', c.exemption.reason],
              ],
              value: 1,
            },
          ]
        : [],
  },
  {
    name: 'netpol_namespace_exemption_expiry_timestamp_seconds',
    help: 'When the namespace exemption expires (or expired), in Unix seconds.',
    type: 'gauge',
    labels: ['namespace'],
    samples: (c) =>
      c.exemption.state === 'valid' || c.exemption.state === 'expired'
        ? [{ labels: [['namespace', c.name]], value: c.exemption.expiresSeconds }]
        : [],
  },
  {
    name: 'netpol_namespace_exemption_invalid',
    help: '1 for each problem that keeps the namespace exemption annotations from counting as an exemption.',
    type: 'gauge',
    labels: ['namespace', 'problem'],
    doc: '`problem`: `missing_exempt`, `bad_exempt_value`, `missing_owner`, `missing_reason`, `missing_expiry`, `unparsable_expiry`, `unparsable_granted`, `expiry_before_grant`, `expiry_too_far`.',
    samples: (c) =>
      c.exemption.state === 'invalid'
        ? c.exemption.problems.map((problem) => ({
            labels: [
              ['namespace', c.name],
              ['problem', problem],
            ],
            value: 1,
          }))
        : [],
  },
];
