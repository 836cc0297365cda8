// Every metric family the exporter serves, grouped by subject, in exposition order. The exporter renders each
// group from one kind of subject; docs/metrics.md is generated from this list, and tests hold both to it.
import type { NamespaceContext } from '../../core/context/namespace-context.ts';
import type { PodIsolation } from '../../core/pod-isolation.ts';
import type { NamespaceVerdict } from '../../core/verdict.ts';
import type { Family } from '../family.ts';
import { exemptionFamilies } from './exemption.ts';
import { exporterFamilies, servingFamilies } from './exporter.ts';
import { exposureFamilies } from './exposure.ts';
import { internetFacingFamilies } from './internet-facing.ts';
import { namespaceFamilies } from './namespace.ts';
import { podIsolationFamilies } from './pods.ts';
import { protectionFamilies } from './protection.ts';
import { scopeFamilies } from './scope.ts';

/** Rendered per namespace from its verdict: coverage, default deny, phase, and which sources protect it. */
export const verdictFamilies: Family<NamespaceVerdict>[] = [...namespaceFamilies, ...protectionFamilies];
/** Rendered per namespace from its context: exemption, scope and routing labels. */
export const contextFamilies: Family<NamespaceContext>[] = [...exemptionFamilies, ...scopeFamilies];

export interface FamilyGroup {
  /** A heading for docs/metrics.md. */
  title: string;
  /** What one subject of the group is. */
  subject: string;
  families: readonly Family<never>[];
}

export const FAMILY_GROUPS: readonly FamilyGroup[] = [
  { title: 'Namespace coverage', subject: 'namespace', families: namespaceFamilies },
  { title: 'Protection by source', subject: 'namespace', families: protectionFamilies },
  { title: 'Exemptions and scope', subject: 'namespace', families: contextFamilies },
  { title: 'Pod isolation (`--pod-isolation`)', subject: 'namespace', families: podIsolationFamilies },
  { title: 'Exposure: who can reach each namespace', subject: 'namespace', families: exposureFamilies },
  {
    title: 'Internet-facing: how the outside reaches each namespace',
    subject: 'namespace',
    families: internetFacingFamilies,
  },
  { title: 'The exporter itself', subject: 'exporter process', families: exporterFamilies },
  { title: 'Its HTTP server', subject: 'exporter process', families: servingFamilies },
];

export const ALL_FAMILIES: readonly Family<never>[] = FAMILY_GROUPS.flatMap((g) => g.families);

export type { NamespaceContext, NamespaceVerdict, PodIsolation };
