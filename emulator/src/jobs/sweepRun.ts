// A sweep job, scaled down: a few trials (at most MAX_TRIALS) run as child command jobs named
// <sweep>_<n>, each with ${{search_space.x}} replaced by a sampled value (grid: the choice grid in
// order; random and bayesian: seeded random samples). The best trial by the objective's metric (read
// from MLflow) becomes the sweep's best_child_run_id, and its outputs the sweep's outputs. Early
// termination policies are recorded but not applied.
import { type JobStatus, setJobStatus } from '../arm';
import { type ArmResource, type Properties, getResource, putResource } from '../arm/resources';
import { type ParentRunOptions, childJob } from './childJobs';
import { updateRunRecord } from './runRecords';
import { JobInputError } from './storage';
import { latestMetrics, runData } from './tracking';

export const MAX_TRIALS = 4;

type Sample = Record<string, string>;

/** mulberry32: a small seeded generator, so a sweep's samples repeat with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function choices(name: string, args: unknown[]): unknown[] {
  const values = Array.isArray(args[0]) ? args[0] : args;
  if (values.length === 0) throw new JobInputError(`search_space.${name}: choice has no values.`);
  return values;
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function sampleOne(name: string, spec: unknown, random: () => number): string {
  if (!Array.isArray(spec) || typeof spec[0] !== 'string' || !Array.isArray(spec[1])) throw new JobInputError(`search_space.${name} is not a distribution such as ["uniform", [0.01, 0.1]].`);
  const [kind, args] = [spec[0].toLowerCase(), spec[1] as number[]];
  const q = (x: number, step: number | undefined) => (step ? Math.round(x / step) * step : x);
  switch (kind) {
    case 'choice': {
      const values = choices(name, spec[1]);
      const value = values[Math.floor(random() * values.length)];
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    case 'randint':
      return String(Math.floor(random() * args[0]));
    case 'uniform':
    case 'quniform':
      return String(q(args[0] + random() * (args[1] - args[0]), args[2]));
    case 'loguniform':
    case 'qloguniform':
      return String(q(Math.exp(args[0] + random() * (args[1] - args[0])), args[2]));
    case 'normal':
    case 'qnormal':
      return String(q(args[0] + args[1] * normal(random), args[2]));
    case 'lognormal':
    case 'qlognormal':
      return String(q(Math.exp(args[0] + args[1] * normal(random)), args[2]));
    default:
      throw new JobInputError(`search_space.${name}: unknown distribution '${spec[0]}'.`);
  }
}

/** The trials' parameter values: the grid's first combinations, or seeded random samples. */
export function sampleTrials(searchSpace: Properties, samplingAlgorithm: Properties, count: number): Sample[] {
  const names = Object.keys(searchSpace);
  if (names.length === 0) throw new JobInputError('The sweep job has an empty search space.');
  if (String(samplingAlgorithm.samplingAlgorithmType ?? 'Random').toLowerCase() === 'grid') {
    let grid: Sample[] = [{}];
    for (const name of names) {
      const spec = searchSpace[name];
      if (!Array.isArray(spec) || String(spec[0]).toLowerCase() !== 'choice') throw new JobInputError(`Grid sampling needs choice distributions; search_space.${name} is ${JSON.stringify(spec)}.`);
      grid = grid.flatMap((partial) => choices(name, spec[1]).map((value) => ({ ...partial, [name]: String(value) })));
    }
    return grid.slice(0, count);
  }
  // Random, and Bayesian too: with only a few trials there are no earlier results to model.
  const random = seededRandom(Number(samplingAlgorithm.seed ?? 0));
  return Array.from({ length: count }, () => Object.fromEntries(names.map((name) => [name, sampleOne(name, searchSpace[name], random)])));
}

function substituteSearchSpace(command: string, sample: Sample): string {
  return command.replace(/\$\{\{\s*search_space\.([A-Za-z0-9_]+)\s*\}\}/g, (expression, name: string) => {
    if (!(name in sample)) throw new JobInputError(`The trial command refers to ${expression}, which the search space does not define.`);
    return sample[name];
  });
}

function trialJobs(o: ParentRunOptions, samples: Sample[]): ArmResource[] {
  const { job, workspaceId } = o;
  const trial: Properties = job.properties.trial ?? {};
  if (typeof trial.command !== 'string' || !trial.command) throw new JobInputError('The sweep job has no trial command (properties.trial.command).');
  const outputs = Object.fromEntries(Object.entries<Properties>(job.properties.outputs ?? {}).map(([name, output]) => [name, { ...output, uri: undefined }]));
  return samples.map((sample, index) => {
    const name = `${job.name}_${index}`;
    const child = childJob(workspaceId, job, name, name, {
      command: substituteSearchSpace(trial.command, sample),
      codeId: trial.codeId ?? null,
      environmentId: trial.environmentId ?? null,
      environmentVariables: trial.environmentVariables ?? {},
      resources: trial.resources ?? null,
      computeId: job.properties.computeId ?? null,
      inputs: job.properties.inputs ?? {},
      outputs,
    });
    child.properties.properties.hyperparameters = JSON.stringify(sample);
    return child;
  });
}

/** The completed trial with the best value of the objective's primary metric. */
function bestTrial(o: ParentRunOptions, trials: ArmResource[], statuses: Map<string, JobStatus>): { trial: ArmResource; score: number } | undefined {
  const objective: Properties = o.job.properties.objective ?? {};
  const maximize = String(objective.goal ?? 'Maximize').toLowerCase() === 'maximize';
  let best: { trial: ArmResource; score: number } | undefined;
  for (const trial of trials.filter((t) => statuses.get(t.name) === 'Completed')) {
    const score = latestMetrics(runData(o.ctx, o.workspaceId, trial.name)).find((m) => m.key === objective.primaryMetric)?.value;
    if (score === undefined) continue;
    if (!best || (maximize ? score > best.score : score < best.score)) best = { trial, score };
  }
  return best;
}

export async function runSweep(o: ParentRunOptions): Promise<JobStatus> {
  const { ctx, job } = o;
  const limits: Properties = job.properties.limits ?? {};
  const requested = Number(limits.maxTotalTrials ?? MAX_TRIALS);
  const samples = sampleTrials(job.properties.searchSpace ?? {}, job.properties.samplingAlgorithm ?? {}, Math.min(requested, MAX_TRIALS));
  const trials = trialJobs(o, samples);
  if (requested > MAX_TRIALS) o.note(`The emulator runs at most ${MAX_TRIALS} of the ${requested} trials requested.`);
  if (job.properties.earlyTermination) o.note('The early termination policy is recorded but not applied.');
  const concurrency = Math.max(1, Math.min(Number(limits.maxConcurrentTrials ?? trials.length), trials.length));
  o.setStatus('Running');
  const statuses = new Map<string, JobStatus>();
  const onAbort = () => trials.filter((t) => !statuses.has(t.name)).forEach((t) => o.cancelChild(t));
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (let first = 0; first < trials.length && !o.signal.aborted; first += concurrency) {
      await Promise.all(
        trials.slice(first, first + concurrency).map(async (trial) => {
          putResource(ctx, 'jobs', trial);
          o.note(`Trial ${trial.name} started with ${trial.properties.properties.hyperparameters}.`);
          statuses.set(trial.name, await o.startChild(trial));
          o.note(`Trial ${trial.name} ended ${statuses.get(trial.name)}.`);
        }),
      );
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
  }
  if (o.signal.aborted) return 'Canceled';
  const best = bestTrial(o, trials, statuses);
  if (best) recordBest(o, best.trial, best.score);
  if ([...statuses.values()].includes('Completed')) return 'Completed';
  updateRunRecord(ctx, o.workspaceId, job.name, (r) => void (r.error = { code: 'UserError', message: `All ${trials.length} trials failed; see their logs (${trials.map((t) => t.name).join(', ')}).` }));
  return 'Failed';
}

function recordBest(o: ParentRunOptions, trial: ArmResource, score: number): void {
  o.note(`Best trial: ${trial.name} (${o.job.properties.objective?.primaryMetric} = ${score}).`);
  const stored = getResource(o.ctx, 'jobs', trial.id);
  const current = getResource(o.ctx, 'jobs', o.job.id);
  if (!current) return;
  const outputs: Properties = { ...current.properties.outputs };
  for (const [name, output] of Object.entries<Properties>(stored?.properties.outputs ?? {})) if (output?.uri && outputs[name]) outputs[name] = { ...outputs[name], uri: output.uri };
  const properties = { ...current.properties.properties, best_child_run_id: trial.name, score: String(score) };
  setJobStatus(o.ctx, o.job.id, current.properties.status, { outputs, properties });
}
