// Every family rendered from a namespace's context (exemption, scope, routing labels), in exposition order.
import type { NamespaceContext } from '../../core/namespace-context.ts';
import type { Family } from '../family.ts';
import { exemptionFamilies } from './exemption.ts';
import { scopeFamilies } from './scope.ts';

export const namespaceContextFamilies: Family<NamespaceContext>[] = [...exemptionFamilies, ...scopeFamilies];
