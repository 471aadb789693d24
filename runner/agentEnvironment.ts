// What the agent provides to every job: the predefined System.*, Build.*, Agent.* and Pipeline.*
// variables, the agent's proxy and certificate settings, and the work folders.
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AzureTarget } from './serviceConnection';

export interface RepositoryInfo {
  /** The working copy's root (Build.SourcesDirectory). */
  localPath: string;
  name: string;
  uri: string;
  sourceVersion: string;
  sourceBranch: string;
}

/** Facts fixed for one pipeline run. */
export interface RunFacts {
  buildId: number;
  buildNumber: string;
  planId: string;
  projectName: string;
  projectId: string;
  collectionId: string;
  collectionUri: string;
  definitionName: string;
  accessToken: string;
  repository: RepositoryInfo;
  /** Agent.WorkFolder; Agent.BuildDirectory is <work>/1. */
  workFolder: string;
  debug: boolean;
}

export interface PredefinedVariable {
  name: string;
  value: string;
  secret?: boolean;
}

function readGitFile(gitDir: string, relative: string): string | undefined {
  try {
    return fs.readFileSync(path.join(gitDir, relative), 'utf8');
  } catch {
    return undefined;
  }
}

/** Repository facts read from .git directly (no git binary needed, nothing changed). */
export function repositoryInfo(pipelineFile: string): RepositoryInfo {
  let dir = path.dirname(path.resolve(pipelineFile));
  while (!fs.existsSync(path.join(dir, '.git')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const gitDir = path.join(dir, '.git');
  if (!fs.existsSync(gitDir)) {
    const localPath = path.dirname(path.resolve(pipelineFile));
    return { localPath, name: path.basename(localPath), uri: `file://${localPath}`, sourceVersion: '', sourceBranch: 'refs/heads/main' };
  }
  const head = (readGitFile(gitDir, 'HEAD') ?? '').trim();
  const sourceBranch = head.startsWith('ref: ') ? head.slice(5) : 'refs/heads/main';
  let sourceVersion = head.startsWith('ref: ') ? (readGitFile(gitDir, sourceBranch) ?? '').trim() : head;
  if (!sourceVersion) {
    const packed = readGitFile(gitDir, 'packed-refs') ?? '';
    sourceVersion = packed.split('\n').find((l) => l.endsWith(` ${sourceBranch}`))?.split(' ')[0] ?? '';
  }
  const config = readGitFile(gitDir, 'config') ?? '';
  const origin = /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/.exec(config)?.[1];
  const name = origin ? path.basename(origin).replace(/\.git$/, '') : path.basename(dir);
  return { localPath: dir, name, uri: origin ?? `file://${dir}`, sourceVersion, sourceBranch };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Build.BuildNumber from the pipeline's `name:` (default $(Date:yyyyMMdd)$(Rev:.r)); this run is revision 1. */
export function formatBuildNumber(format: string | undefined, now: Date, lookup: (name: string) => string | undefined): string {
  const date = (spec: string) =>
    spec.replace(/yyyy|yy|MM|dd|HH|mm|ss/g, (t) =>
      ({ yyyy: String(now.getFullYear()), yy: pad(now.getFullYear() % 100), MM: pad(now.getMonth() + 1), dd: pad(now.getDate()), HH: pad(now.getHours()), mm: pad(now.getMinutes()), ss: pad(now.getSeconds()) })[t]!,
    );
  return (format || '$(Date:yyyyMMdd)$(Rev:.r)').replace(/\$\(([^)]+)\)/g, (whole, token: string) => {
    const [name, spec] = [token.split(':')[0].toLowerCase(), token.slice(token.indexOf(':') + 1)];
    if (name === 'date') return date(spec);
    if (name === 'rev') return spec.replace(/r+/, (r) => pad(1, r.length));
    if (name === 'year') return date(spec === 'yy' ? 'yy' : 'yyyy');
    if (name === 'month') return pad(now.getMonth() + 1);
    if (name === 'dayofmonth') return pad(now.getDate());
    if (name === 'hours') return pad(now.getHours());
    if (name === 'minutes') return pad(now.getMinutes());
    if (name === 'seconds') return pad(now.getSeconds());
    return lookup(token) ?? whole;
  });
}

/** The Azure DevOps project a local run pretends to belong to. */
const PROJECT_NAME = 'azureml';

/** The pipeline's name in Azure DevOps: locally, its file name. */
function definitionNameOf(pipelineFile: string): string {
  return path.basename(pipelineFile).replace(/\.ya?ml$/i, '');
}

export function newRunFacts(options: { pipelineFile: string; collectionUri: string; workFolder: string; debug: boolean; buildNumberFormat?: string; now?: Date }): RunFacts {
  const repository = repositoryInfo(options.pipelineFile);
  const now = options.now ?? new Date();
  const definitionName = definitionNameOf(options.pipelineFile);
  const branchName = repository.sourceBranch.split('/').pop() ?? '';
  const lookup = (name: string) =>
    ({ 'build.definitionname': definitionName, builddefinitionname: definitionName, 'build.sourcebranchname': branchName, sourcebranchname: branchName, teamproject: PROJECT_NAME })[name.toLowerCase()];
  return {
    // Azure DevOps build ids are unique int32s; milliseconds keep two local runs apart.
    buildId: now.getTime() % 2_000_000_000,
    buildNumber: formatBuildNumber(options.buildNumberFormat, now, lookup),
    planId: randomUUID(),
    projectName: PROJECT_NAME,
    projectId: randomUUID(),
    collectionId: randomUUID(),
    collectionUri: options.collectionUri,
    definitionName,
    accessToken: randomBytes(39).toString('base64url'),
    repository,
    workFolder: options.workFolder,
    debug: options.debug,
  };
}

/**
 * The variables naming an agent's build directory (<work>/1): sources in s, artifacts in a,
 * binaries in b. Each agent of the pool has its own (<work>/2 for the second ...).
 */
export function buildDirectoryVariables(buildDirectory: string): PredefinedVariable[] {
  const entries: Array<[string, string]> = [
    ['Agent.BuildDirectory', buildDirectory],
    ['Pipeline.Workspace', buildDirectory],
    ['System.DefaultWorkingDirectory', path.join(buildDirectory, 's')],
    ['Build.SourcesDirectory', path.join(buildDirectory, 's')],
    ['Build.Repository.LocalPath', path.join(buildDirectory, 's')],
    ['System.ArtifactsDirectory', path.join(buildDirectory, 'a')],
    ['Build.ArtifactStagingDirectory', path.join(buildDirectory, 'a')],
    ['Build.StagingDirectory', path.join(buildDirectory, 'a')],
    ['Build.BinariesDirectory', path.join(buildDirectory, 'b')],
    ['Common.TestResultsDirectory', path.join(buildDirectory, 'TestResults')],
  ];
  return entries.map(([name, value]) => ({ name, value }));
}

/**
 * The run's project, definition and sources: what the service knows before the run starts, hence
 * also at compile time ("available in templates"), e.g. `${{ if eq(variables['Build.SourceBranch'], ...) }}`.
 */
function sourceVariables(repo: RepositoryInfo, definitionName: string, projectName: string): Array<[string, string]> {
  return [
    ['System.TeamProject', projectName],
    ['Build.DefinitionName', definitionName],
    ['Build.Reason', 'Manual'],
    ['Build.Repository.Name', repo.name],
    ['Build.Repository.Uri', repo.uri],
    ['Build.Repository.Provider', 'TfsGit'],
    ['Build.SourceVersion', repo.sourceVersion],
    ['Build.SourceBranch', repo.sourceBranch],
    ['Build.SourceBranchName', repo.sourceBranch.split('/').pop() ?? ''],
  ];
}

/** The predefined variables ${{ variables.x }} sees when the pipeline file compiles. */
export function templateVariables(pipelineFile: string): Record<string, string> {
  return Object.fromEntries(sourceVariables(repositoryInfo(pipelineFile), definitionNameOf(pipelineFile), PROJECT_NAME));
}

/** Variables set once per run (the job adds its own with jobVariables). */
export function runVariables(run: RunFacts, target: AzureTarget): PredefinedVariable[] {
  const buildDirectory = path.join(run.workFolder, '1');
  const vars: Array<[string, string]> = [
    ['System.CollectionUri', run.collectionUri],
    ['System.TeamFoundationCollectionUri', run.collectionUri],
    ['System.TeamFoundationServerUri', run.collectionUri],
    ['System.CollectionId', run.collectionId],
    ...sourceVariables(run.repository, run.definitionName, run.projectName),
    ['System.TeamProjectId', run.projectId],
    ['System.DefinitionId', '1'],
    ['System.DefinitionName', run.definitionName],
    ['System.HostType', 'build'],
    ['System.ServerType', 'Hosted'],
    ['System.PlanId', run.planId],
    ['System.TimelineId', run.planId],
    ['System.Debug', run.debug ? 'true' : 'false'],
    ['System.PullRequest.IsFork', 'False'],
    ['Build.BuildId', String(run.buildId)],
    ['Build.BuildNumber', run.buildNumber],
    ['Build.BuildUri', `vstfs:///Build/Build/${run.buildId}`],
    ['Build.DefinitionVersion', '1'],
    ['Build.RequestedFor', os.userInfo().username],
    ['Build.RequestedForEmail', ''],
    ['Build.QueuedBy', os.userInfo().username],
    ['Agent.Name', 'local-runner'],
    ['Agent.MachineName', os.hostname()],
    ['Agent.Id', '1'],
    ['Agent.Version', '4.264.2'],
    ['Agent.OS', 'Linux'],
    ['Agent.OSArchitecture', process.arch === 'arm64' ? 'ARM64' : 'X64'],
    ['Agent.WorkFolder', run.workFolder],
    ['Agent.RootDirectory', run.workFolder],
    ['Agent.ToolsDirectory', path.join(run.workFolder, '_tool')],
    ['Agent.HomeDirectory', path.dirname(process.execPath)],
    ...buildDirectoryVariables(buildDirectory).map((v): [string, string] => [v.name, v.value]),
  ];
  // The agent's proxy and CA settings, which tasks must honour (task-lib getHttpProxyConfiguration).
  if (target.proxy) {
    vars.push(['Agent.ProxyUrl', target.proxy.url], ['Agent.ProxyBypassList', JSON.stringify(['127\\.0\\.0\\.1', 'localhost'])], ['Agent.CAInfo', target.proxy.caCertFile]);
  }
  return [...vars.map(([name, value]) => ({ name, value })), { name: 'System.AccessToken', value: run.accessToken, secret: true }];
}

export interface JobFacts {
  stageName: string;
  stageDisplayName: string;
  jobName: string;
  jobDisplayName: string;
  jobId: string;
  tempDirectory: string;
  oidcRequestUri: string;
}

export function jobVariables(job: JobFacts): PredefinedVariable[] {
  const entries: Array<[string, string]> = [
    ['System.StageName', job.stageName],
    ['System.StageDisplayName', job.stageDisplayName],
    ['System.StageAttempt', '1'],
    ['System.PhaseName', job.jobName],
    ['System.PhaseDisplayName', job.jobDisplayName],
    ['System.PhaseAttempt', '1'],
    ['System.JobName', job.jobName],
    ['System.JobDisplayName', job.jobDisplayName],
    ['System.JobId', job.jobId],
    ['System.JobAttempt', '1'],
    ['System.JobIdentifier', `${job.stageName}.${job.jobName}.__default`],
    ['System.OidcRequestUri', job.oidcRequestUri],
    ['Agent.JobName', job.jobDisplayName],
    ['Agent.JobStatus', 'Succeeded'],
    ['Agent.TempDirectory', job.tempDirectory],
  ];
  return entries.map(([name, value]) => ({ name, value }));
}

/** The runner's own credentials (--azure) are the service connection's, not the agent machine's. */
const RUNNER_ONLY_VARIABLES = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_SUBSCRIPTION_ID', 'AZURE_SUBSCRIPTION_NAME'];

/**
 * The environment of the agent's process that every step inherits, plus what the agent adds for
 * all steps: TF_BUILD, and AZURE_HTTP_USER_AGENT which Azure tools append to their user agent.
 */
export function agentProcessEnvironment(run: RunFacts): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !RUNNER_ONLY_VARIABLES.includes(k)) env[k] = v;
  env.TF_BUILD = 'True';
  env.AZURE_HTTP_USER_AGENT = `VSTS_${run.collectionId}_build_1_${run.buildId}`;
  return env;
}

/** Environment every task process gets beyond variables: the CA the agent trusts, and the machine's own. */
export function taskMachineEnvironment(target: AzureTarget): Record<string, string> {
  return { ...target.machineEnvironment, ...(target.proxy ? { NODE_EXTRA_CA_CERTS: target.proxy.caCertFile } : {}) };
}

/**
 * Scripts (az, python, curl) know nothing of Agent.ProxyUrl: on a machine behind a proxy they
 * rely on the usual variables, so the runner sets those to reach the emulator.
 */
export function scriptMachineEnvironment(target: AzureTarget): Record<string, string> {
  if (!target.proxy) return { ...target.machineEnvironment };
  const { url, caCertFile } = target.proxy;
  const noProxy = '127.0.0.1,localhost';
  return {
    ...target.machineEnvironment,
    HTTPS_PROXY: url,
    HTTP_PROXY: url,
    https_proxy: url,
    http_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    NODE_EXTRA_CA_CERTS: caCertFile,
    REQUESTS_CA_BUNDLE: caCertFile,
    SSL_CERT_FILE: caCertFile,
    CURL_CA_BUNDLE: caCertFile,
  };
}
