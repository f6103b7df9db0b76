/**
 * The tensor engine (TensorFlow.js, float32): backends, the TensorProblem contract, the one
 * network model (network.ts: any hidden widths, optional linear head, penalty scopes
 * weights/inputs/first) that the mlp and nn-compression families (families.ts) are built on,
 * and the tensor lasso. Loaded lazily by the harness (harness/job.ts) so that Float64
 * runs never load TensorFlow.js.
 */
export {
  initBackend,
  initDevice,
  activeBackend,
  deviceInfo,
  probeAdapter,
  hardwareAdapter,
  resolveBackend,
  isSoftwareAdapter,
  describeAdapter,
  missingPackageMessage,
  BACKENDS,
  BACKEND_CHOICES,
  DEFAULT_BACKEND,
  NO_ADAPTER_MESSAGE,
  type AdapterInfo,
  type BackendChoice,
  type BackendName,
  type DeviceInfo,
} from './backend.ts';
export { readValues, readScalar, readInto, asyncCallbackOf } from './read.ts';
export type { ParamPenalty, TensorBatch, TensorParamInfo, TensorProblem } from './types.ts';
export { isTensorProblem } from './types.ts';
export { makeMlpProblem, makeMlpFromDataset, simulateMlpData, mlpLoss, MLP_B1_INIT, MLP_DEFAULT_HIDDEN, type MlpData, type MlpOptions, type MlpSpec } from './mlp.ts';
export { makeTensorLasso, lassoLoss } from './linear.ts';
export {
  makeNetworkProblem,
  networkOf,
  networkLoss,
  networkScores,
  networkInit,
  makeClassBatch,
  hashNetworkData,
  NETWORK_HIDDEN_BIAS,
  type NetworkData,
  type NetworkOptions,
  type NetworkShape,
  type ClassSplit,
  type PenaltyScope,
  type WeightStructure,
} from './network.ts';
