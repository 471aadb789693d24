// The pipeline as the runner executes it: stages → jobs → steps, every node with its source position.
// Compile-time expressions (${{ }}) are already resolved; macros ($(var)) and runtime expressions
// ($[ ]) are kept as text and resolved when the step or job runs, as the agent does.
import type { SourcePosition } from '../errors';

export interface VariableDefinition {
  name: string;
  /** Raw value: may hold $(macros) or be a whole $[ runtime expression ]. */
  value: string;
  readonly: boolean;
  /** From a variable group's secret variable: masked everywhere, never in the environment. */
  secret?: boolean;
  position: SourcePosition;
}

/** A condition as written (or the default), with where it was written for error messages. */
export interface Condition {
  expression: string;
  position: SourcePosition;
}

interface StepCommon {
  /** Reference name: `name:` or an automatic one like the agent's (task name, then Name1, Name2 ...). */
  name: string;
  displayName: string;
  condition: Condition;
  continueOnError: boolean;
  enabled: boolean;
  timeoutInMinutes: number;
  retryCountOnTaskFailure: number;
  env: Record<string, string>;
  position: SourcePosition;
}

export interface TaskStep extends StepCommon {
  kind: 'task';
  /** As written: "AzureMLWorkspace@1". */
  reference: string;
  taskName: string;
  majorVersion: number;
  inputs: Record<string, { value: string; position: SourcePosition }>;
}

export interface ScriptStep extends StepCommon {
  kind: 'script';
  /** The YAML keyword, which decides nothing on Linux: both run with bash like CmdLine@2 and Bash@3. */
  keyword: 'script' | 'bash';
  script: string;
  workingDirectory?: string;
  failOnStderr: boolean;
}

/** `checkout: self` uses the working copy the pipeline file lives in; `checkout: none` does nothing. */
export interface CheckoutStep extends StepCommon {
  kind: 'checkout';
  repository: 'self' | 'none';
}

export type Step = TaskStep | ScriptStep | CheckoutStep;

/**
 * One copy of a job made by `strategy: matrix` or `parallel:`; a plain job has one unnamed leg.
 * A leg's outputs are addressed '<leg>.<step>.<var>' (a plain job's '<step>.<var>').
 */
export interface JobLeg {
  /** '' for a plain job; the matrix leg name; Job1..JobN for `parallel: N`. */
  name: string;
  /** Variables the leg adds (the matrix entry; System.JobPositionInPhase ...). */
  variables: Record<string, string>;
}

export const DEPLOYMENT_HOOKS = ['preDeploy', 'deploy', 'routeTraffic', 'postRouteTraffic', 'on.failure', 'on.success'] as const;
export type DeploymentHook = (typeof DEPLOYMENT_HOOKS)[number];

export interface Environment {
  name: string;
  /** `environment: name.resource` or `resourceName:`: the one resource deployed to. */
  resourceName?: string;
  resourceType?: string;
  position: SourcePosition;
}

export interface Deployment {
  environment: Environment;
  strategy: 'runOnce' | 'rolling' | 'canary';
  /** rolling: how many targets at a time, a count or a percentage ('50%'). */
  maxParallel?: string;
  /** canary: the traffic percentages, in order. */
  increments: number[];
  hooks: Partial<Record<DeploymentHook, Step[]>>;
  position: SourcePosition;
}

export interface Job {
  name: string;
  displayName: string;
  dependsOn: string[];
  condition: Condition;
  continueOnError: boolean;
  timeoutInMinutes: number;
  cancelTimeoutInMinutes: number;
  variables: VariableDefinition[];
  /** A plain job's steps (empty for a deployment: its steps are in its hooks). */
  steps: Step[];
  /** One leg unless `strategy: matrix` or `parallel:` multiplies the job. */
  legs: JobLeg[];
  /** strategy.maxParallel of a matrix or parallel job: legs at a time (0: no limit). */
  maxParallel: number;
  deployment?: Deployment;
  /** `pool: server` (or `server: true`): an agentless job, whose steps are server tasks run by the server. */
  agentless?: boolean;
  position: SourcePosition;
}

export interface Stage {
  name: string;
  displayName: string;
  dependsOn: string[];
  condition: Condition;
  variables: VariableDefinition[];
  jobs: Job[];
  position: SourcePosition;
}

export interface Pipeline {
  file: string;
  /** `name:` — the build number format. */
  buildNumberFormat?: string;
  variables: VariableDefinition[];
  stages: Stage[];
  /** Keys accepted as metadata that change nothing locally, each "file:line:col: why" (printed as warnings). */
  warnings: string[];
}

/** Results as the agent and Azure DevOps name them. */
export type TaskResult = 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Canceled' | 'Skipped';

const severity: Record<TaskResult, number> = {
  Skipped: 0,
  Succeeded: 1,
  SucceededWithIssues: 2,
  Canceled: 3,
  Failed: 4,
};

/** The overall result of several: the worst one; Skipped only when everything was skipped. */
export function mergeResults(results: TaskResult[]): TaskResult {
  return results.reduce<TaskResult>((worst, r) => (severity[r] > severity[worst] ? r : worst), 'Skipped');
}

export function isSuccess(result: TaskResult): boolean {
  return result === 'Succeeded' || result === 'SucceededWithIssues';
}
