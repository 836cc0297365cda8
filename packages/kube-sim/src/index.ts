// Public surface of the simulated Kubernetes API server: what `@netpol-exporter/kube-sim` exports (its users import
// only from here).
export { ALL_PERMISSIONS, type Permission } from './auth.ts';
export { type ChurnOptions, prng } from './churn.ts';
export { SimulatedCluster, type SimulatorOptions, SYSTEM_NAMESPACES } from './cluster.ts';
export { KINDS, type KindDef, kindKey } from './kinds.ts';
export type { KObject, ObjectInput, ObjectMeta } from './objects.ts';
export {
  type LoadOptions,
  type LoadResult,
  SCENARIO_API_VERSION,
  type ScaleOptions,
  type ScaleResult,
} from './scenarios.ts';
export { type StatusBody, StatusError } from './status.ts';
export type { PatchType, StoreBackup } from './store.ts';
