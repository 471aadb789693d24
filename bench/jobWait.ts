// Issue 6's benchmark (not a test): AzureMLJob@1's core against the embedded emulator, whose jobs run for
// real on this machine. ARM reads per job-minute and the delay between the job ending and the wait noticing
// it; how far the live log runs behind; and the bytes an unchanged second upload sends (upload throughput beside
// the storage SDK's is bench/upload.ts's, measured there with warm-up and interleaved rounds).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type ConnectionInfo } from '../emulator/src/index';
import { connectAzure, type AzureSession } from '../tasks/common/azure/azureSession';
import { installCancellationHandlers } from '../tasks/common/platform/cancellation';
import { openDefaultBlobStore, type BlobStore } from '../tasks/common/workspace/datastores';
import { LogStreamer } from '../tasks/common/workspace/jobWait/logStreamer';
import { createRunHistoryApi } from '../tasks/common/workspace/runHistory';
import { uploadSnapshots } from '../tasks/common/workspace/pendingUploads';
import { submitJob } from '../tasks/common/job/submit';
import { waitForJob } from '../tasks/common/workspace/jobWait/waitForJob';
import { createWorkspaceApi, type WorkspaceApi } from '../tasks/common/workspace/workspaceApi';
import { translateJobFile, type PendingUpload } from '../tasks/common/jobSpec';
import type { WorkspaceScope } from '../tasks/common/workspace/scope';
import type { TaskHost } from '../tasks/common/platform/taskHost';
import { amlApiHost, getVerifiedWorkspace } from '../tasks/common/workspace/workspace';

const TARGETS = { armReadsPerJobMinute: 12, endNoticedMs: 3_000, logLagMs: 5_000 };
const JOB_SECONDS = Number(process.env.BENCH_JOB_SECONDS ?? 60);
const CODE_FILES = 16;
const CODE_FILE_BYTES = 4 * 1024 * 1024;
const CONNECTION_ID = 'bench-emulator';
/** As many files at a time as pendingUploads sends. */

const ratio = (value: number, target: number, unit = '') => `${(value / target).toFixed(2)} of target (≤ ${target}${unit})`;

/** The agent's view of a service-principal connection to the emulator, through its proxy and CA. */
export function emulatorHost(connection: ConnectionInfo): TaskHost {
  const quiet = () => undefined;
  return {
    getInput: quiet,
    getBoolInput: (_name: string, fallback = false) => fallback,
    getPathInput: quiet,
    getVariable: quiet,
    getEndpointUrl: () => 'https://management.azure.com/',
    getEndpointAuthorization: () => ({ scheme: 'ServicePrincipal', parameters: { authenticationType: 'spnKey', tenantid: connection.tenantId, serviceprincipalid: connection.secret.clientId, serviceprincipalkey: connection.secret.clientSecret } }),
    getEndpointDataParameter: (_id: string, key: string) => ({ subscriptionid: connection.subscriptionId, subscriptionname: 'bench', environment: 'AzureCloud' })[key.toLowerCase()],
    setVariable: quiet,
    setSecret: quiet,
    setResult: quiet,
    debug: quiet,
    log: quiet,
    warning: (message: string) => console.log(`  warning: ${message}`),
    uploadSummary: quiet,
    getHttpProxyConfiguration: () => ({ proxyUrl: connection.proxyUrl, bypassPatterns: [] }),
    getHttpCertConfiguration: () => ({ caFile: connection.caCertFile }),
    getEnvironmentVariable: quiet,
    setEnvironmentVariable: quiet,
  } as unknown as TaskHost;
}

/** A code folder of random files and a job that prints a timestamp each second, then stamps its end. */
function writeProject(dir: string, endStampFile: string): string {
  fs.mkdirSync(path.join(dir, 'code'), { recursive: true });
  for (let i = 0; i < CODE_FILES; i++) fs.writeFileSync(path.join(dir, 'code', `part-${i}.bin`), randomBytes(CODE_FILE_BYTES));
  const command = `for i in $(seq ${JOB_SECONDS}); do echo "tick $(date +%s%3N)"; sleep 1; done; date +%s%3N > ${endStampFile}`;
  const file = path.join(dir, 'job.yml');
  fs.writeFileSync(file, ['$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json', 'code: code', `command: '${command}'`, 'environment:', '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'compute: azureml:cpu-cluster', ''].join('\n'));
  return file;
}

async function openStore(api: WorkspaceApi, session: AzureSession): Promise<BlobStore> {
  return openDefaultBlobStore(api, { httpClient: session.httpClient, credential: session.credential, maskSecret: () => undefined });
}

export async function benchmarkJobWait(workDir: string): Promise<void> {
  console.log(`AzureMLJob@1 core on the embedded emulator (a ${JOB_SECONDS} s job, ${CODE_FILES} × ${CODE_FILE_BYTES / 1024 / 1024} MiB of code)`);
  const emulator = await startEmulator({ stateDir: path.join(workDir, 'emulator') });
  const cancellation = installCancellationHandlers({ signals: new EventEmitter() });
  const session = await connectAzure(emulatorHost(emulator.connection), CONNECTION_ID, { taskName: 'AzureMLJob', taskVersion: '1.0.0', cancellation });
  try {
    const { connection } = emulator;
    const scope: WorkspaceScope = { subscriptionId: connection.subscriptionId, resourceGroup: connection.resourceGroupName, workspace: connection.workspaceName };
    const workspace = await getVerifiedWorkspace(session, scope);
    const api = createWorkspaceApi(session, scope);
    const runHistory = createRunHistoryApi(session, amlApiHost(session.cloud, workspace.location, workspace.discoveryUrl), scope);
    const endStampFile = path.join(workDir, 'job-ended-at');
    const jobFile = writeProject(path.join(workDir, 'project'), endStampFile);
    const jobName = `bench-wait-${Date.now()}`;
    const translation = translateJobFile(jobFile, { scope, defaultExperimentName: 'bench', jobName });
    const store = await openStore(api, session);

    // The first upload, then the unchanged second one inside submitJob.
    const uploadItems = translation.pending.filter((p): p is PendingUpload => p.kind === 'upload');
    await uploadSnapshots(uploadItems, store, api, () => undefined);
    const submission = await submitJob({ api, jobName, translation, stepKey: jobName, openStore: () => openStore(api, session), log: () => undefined, warning: () => undefined });
    const reuploaded = submission.uploadStats?.bytesUploaded ?? 0;
    console.log(`  unchanged re-upload: ${reuploaded} bytes (${submission.uploadStats?.snapshotsReused ?? 0} snapshot(s) reused); target 0: ${reuploaded === 0 ? 'meets target' : 'MISSES target'}`);

    // Waiting: ARM reads, the end noticed, and how far the live log runs behind the job's own clock.
    let logLagMs = 0;
    const streamer = new LogStreamer(runHistory, translation.jobType, (line) => {
      const stamp = /tick (\d{13})/.exec(line)?.[1];
      if (stamp) logLagMs = Math.max(logLagMs, Date.now() - Number(stamp));
    });
    const waitStarted = Date.now();
    const outcome = await waitForJob({ api, jobName, streamer, log: () => undefined });
    const noticed = Date.now();
    const ended = Number(fs.readFileSync(endStampFile, 'utf8').trim());
    const jobMinutes = (noticed - waitStarted) / 60_000;
    console.log(`  job ${outcome.status}: ${outcome.armReads} ARM reads in ${jobMinutes.toFixed(2)} job-minutes = ${(outcome.armReads / jobMinutes).toFixed(1)} per job-minute, ${ratio(outcome.armReads / jobMinutes, TARGETS.armReadsPerJobMinute)}`);
    console.log(`  end noticed ${noticed - ended} ms after the command ended, ${ratio(noticed - ended, TARGETS.endNoticedMs, ' ms')}`);
    console.log(`  live log at most ${logLagMs} ms behind the job, ${ratio(logLagMs, TARGETS.logLagMs, ' ms')}`);
  } finally {
    session.dispose();
    cancellation.dispose();
    await emulator.stop();
  }
}
