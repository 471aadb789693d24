// Shared fixtures for the runner's tests: fake packaged tasks, a target that needs no emulator,
// and a one-call pipeline run that captures the console.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPipeline, type RunOptions, type RunOutcome } from '../../runner/index';
import { createLoopbackCertificate } from '../../runner/loopbackTls';
import type { AzureTarget } from '../../runner/serviceConnection';

export const CLIENT_SECRET = 'spn-Secret~value.42';

let fakeCaFile: string | undefined;

/** A CA certificate file standing in for the emulator's (never used for a connection here). */
export function fakeCaCertificate(): string {
  if (!fakeCaFile) {
    fakeCaFile = path.join(tempDir('runner-test-ca-'), 'ca.pem');
    fs.writeFileSync(fakeCaFile, createLoopbackCertificate().certPem);
  }
  return fakeCaFile;
}

/** A service-principal target on an emulator that is never contacted (tasks here are fakes). */
export function fakeTarget(overrides: Partial<AzureTarget> = {}): AzureTarget {
  return {
    kind: 'emulator',
    auth: 'secret',
    tenantId: '72f988bf-0000-0000-0000-000000000001',
    subscriptionId: '00000000-1111-2222-3333-444444444444',
    subscriptionName: 'Azure ML emulator',
    resourceGroupName: 'rg-test',
    workspaceName: 'ws-test',
    scheme: 'ServicePrincipal',
    authParameters: { authenticationType: 'spnKey', serviceprincipalid: 'client-1', serviceprincipalkey: CLIENT_SECRET, tenantid: '72f988bf-0000-0000-0000-000000000001' },
    secrets: [CLIENT_SECRET],
    proxy: { url: 'http://127.0.0.1:9', caCertFile: fakeCaCertificate() },
    machineEnvironment: {},
    ...overrides,
  };
}

export function tempDir(prefix = 'runner-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface FakeTask {
  name: string;
  major?: number;
  inputs?: Array<{ name: string; type?: string; defaultValue?: string; aliases?: string[] }>;
  /** task.json outputVariables names. */
  outputVariables?: string[];
  /** The body of index.js. */
  script: string;
}

/** Writes packaged-task folders (task.json + index.js) like build/tasks. */
export function writeTasks(dir: string, tasks: FakeTask[]): string {
  for (const t of tasks) {
    const folder = path.join(dir, `${t.name}V${t.major ?? 1}`);
    fs.mkdirSync(folder, { recursive: true });
    const taskJson = {
      id: '6d1c6f3a-0000-4000-8000-00000000000' + (tasks.indexOf(t) % 10),
      name: t.name,
      friendlyName: `${t.name} (fake)`,
      description: 'a fake task for tests',
      author: 'tests',
      version: { Major: t.major ?? 1, Minor: 0, Patch: 7 },
      instanceNameFormat: `${t.name} step`,
      inputs: (t.inputs ?? []).map((i) => ({ type: 'string', ...i })),
      outputVariables: (t.outputVariables ?? []).map((name) => ({ name, description: name })),
      execution: { Node20_1: { target: 'index.js' } },
    };
    fs.writeFileSync(path.join(folder, 'task.json'), JSON.stringify(taskJson, null, 2));
    fs.writeFileSync(path.join(folder, 'index.js'), t.script);
  }
  return dir;
}

export interface RunResult extends RunOutcome {
  lines: string[];
  console: string;
  reportText: string;
  dir: string;
}

/** Writes the YAML to a temp folder and runs it with the fake target and the given tasks. */
export async function runYaml(yaml: string, options: Partial<RunOptions> & { tasks?: FakeTask[] } = {}): Promise<RunResult> {
  const dir = tempDir();
  const pipelineFile = path.join(dir, 'azure-pipelines.yml');
  fs.writeFileSync(pipelineFile, yaml);
  const tasksDirectory = writeTasks(path.join(dir, 'tasks'), options.tasks ?? []);
  const reportFile = path.join(dir, 'report.json');
  const lines: string[] = [];
  const outcome = await runPipeline({
    pipelineFile,
    target: fakeTarget(),
    tasksDirectory,
    workFolder: path.join(dir, 'work'),
    reportFile,
    grace: { sigintToSigtermMs: 300, sigtermToKillMs: 300 },
    ...options,
    sink: (l) => {
      lines.push(l);
      options.sink?.(l);
    },
  });
  return { ...outcome, lines, console: lines.join('\n'), reportText: fs.readFileSync(reportFile, 'utf8'), dir };
}

/** The report's steps by name, across all jobs. */
export function steps(result: RunOutcome): Record<string, RunOutcome['report']['stages'][number]['jobs'][number]['steps'][number]> {
  const all: Record<string, RunOutcome['report']['stages'][number]['jobs'][number]['steps'][number]> = {};
  for (const s of result.report.stages) for (const j of s.jobs) for (const st of j.steps) all[`${j.name}.${st.name}`] = st;
  return all;
}
