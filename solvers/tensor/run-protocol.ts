/**
 * What the harness records after a network run (harness/job.ts puts it in runs.extras under
 * `protocol`): the compression protocol (protocol.ts), final-epoch and best-seen test accuracy
 * (best-seen is over the trace points and labelled as such: it flatters a method), and the
 * per-step solver time = solver seconds / (epochs × steps per epoch).
 */
import type { AnyProblem, Params } from '../../problems/types.ts';
import type { RunOutcome } from '../../harness/runner.ts';
import { isTensorProblem } from '../../problems/tensor/types.ts';
import { networkOf } from '../../problems/tensor/network.ts';
import { compressionProtocol, type CompressionRecord } from './protocol.ts';

export interface ProtocolRecord {
  readonly protocol: {
    readonly finalTestAccuracy: number | null;
    /** Best test accuracy seen at any trace point (labelled: not the headline number). */
    readonly bestSeenTestAccuracy: number | null;
    readonly stepsPerEpoch: number;
    readonly perStepSeconds: number | null;
    readonly compression: CompressionRecord;
  };
}

export async function runProtocol(problem: AnyProblem, outcome: RunOutcome, params: Params, opts: { tau: number; seed: number; finetuneEpochs: number }): Promise<Record<string, unknown> | null> {
  if (!isTensorProblem(problem) || networkOf(problem) === null || outcome.x === null) return null;
  const batchSize = Math.floor(Number(params['batchSize'] ?? 0));
  const n = problem.nSamples;
  const stepsPerEpoch = batchSize > 0 && batchSize < n ? Math.ceil(n / batchSize) : 1;
  const accs = outcome.trace.map((p) => p.testMetric).filter((v): v is number => v !== null);
  const compression = await compressionProtocol(problem, outcome.x, { tau: opts.tau, finetuneEpochs: opts.finetuneEpochs, batchSize: batchSize > 0 ? batchSize : 128, seed: opts.seed });
  const rec: ProtocolRecord = {
    protocol: {
      finalTestAccuracy: outcome.final?.testMetric ?? null,
      bestSeenTestAccuracy: accs.length > 0 ? Math.max(...accs) : null,
      stepsPerEpoch,
      perStepSeconds: outcome.iterations > 0 ? outcome.solverSeconds / (outcome.iterations * stepsPerEpoch) : null,
      compression,
    },
  };
  return rec as unknown as Record<string, unknown>;
}
