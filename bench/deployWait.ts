// Issue 11's benchmark (not a test): AzureMLDeploy@1's provisioning wait against the embedded emulator, whose
// deployments run the scoring script for real. The script's init() sleeps, so the deployment provisions for
// about a minute, then stamps the time; the emulator reports Succeeded once the server listens right after.
// Printed: the delay from that stamp to the wait noticing Succeeded, and ARM reads per minute of waiting.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator } from '../emulator/src/index';
import { connectAzure } from '../tasks/common/azure/azureSession';
import { prepareDeploymentAssets } from '../tasks/common/deploy/assets';
import { ensureEndpoint } from '../tasks/common/deploy/endpoint';
import { swaggerReadinessProbe } from '../tasks/common/deploy/readinessProbe';
import { scoringAuthorization } from '../tasks/common/workspace/endpointScoring';
import { waitForProvisioning } from '../tasks/common/deploy/waitForProvisioning';
import { translateDeploymentFile, translateEndpointFile } from '../tasks/common/deploySpec';
import { installCancellationHandlers } from '../tasks/common/platform/cancellation';
import { openDefaultBlobStore } from '../tasks/common/workspace/datastores';
import { createOnlineEndpointsApi } from '../tasks/common/workspace/onlineEndpoints';
import type { WorkspaceScope } from '../tasks/common/workspace/scope';
import { getVerifiedWorkspace } from '../tasks/common/workspace/workspace';
import { createWorkspaceApi } from '../tasks/common/workspace/workspaceApi';
import { emulatorHost } from './jobWait';

const TARGETS = { armReadsPerMinute: 12, noticedMs: 3_000 };
const INIT_SECONDS = Number(process.env.BENCH_DEPLOY_SECONDS ?? 60);

const ratio = (value: number, target: number, unit = '') => `${(value / target).toFixed(2)} of target (≤ ${target}${unit})`;

function writeProject(dir: string, readyStampFile: string): { endpointFile: string; deploymentFile: string } {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'model', 'weights.json'), '{}');
  fs.writeFileSync(
    path.join(dir, 'src', 'score.py'),
    `import time\n\ndef init():\n    time.sleep(${INIT_SECONDS})\n    with open(${JSON.stringify(readyStampFile)}, "w") as f:\n        f.write(str(int(time.time() * 1000)))\n\ndef run(raw_data):\n    return {"ok": True}\n`,
  );
  const endpointFile = path.join(dir, 'endpoint.yml');
  fs.writeFileSync(endpointFile, 'name: bench\nauth_mode: key\n');
  const deploymentFile = path.join(dir, 'deployment.yml');
  fs.writeFileSync(deploymentFile, ['name: slow', 'endpoint_name: bench', 'model:', '  path: model', 'code_configuration:', '  code: src', '  scoring_script: score.py', 'environment:', '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04', 'instance_type: Standard_DS3_v2', 'instance_count: 1', ''].join('\n'));
  return { endpointFile, deploymentFile };
}

export async function benchmarkDeployWait(workDir: string): Promise<void> {
  console.log(`AzureMLDeploy@1 provisioning wait on the embedded emulator (a deployment whose init() takes ${INIT_SECONDS} s)`);
  const emulator = await startEmulator({ stateDir: path.join(workDir, 'deploy-emulator') });
  const cancellation = installCancellationHandlers({ signals: new EventEmitter() });
  const session = await connectAzure(emulatorHost(emulator.connection), 'bench-emulator', { taskName: 'AzureMLDeploy', taskVersion: '1.0.0', cancellation });
  try {
    const { connection } = emulator;
    const scope: WorkspaceScope = { subscriptionId: connection.subscriptionId, resourceGroup: connection.resourceGroupName, workspace: connection.workspaceName };
    const workspace = await getVerifiedWorkspace(session, scope);
    const endpoints = createOnlineEndpointsApi(session, scope);
    const api = createWorkspaceApi(session, scope);
    const readyStampFile = path.join(workDir, 'deployment-ready-at');
    const files = writeProject(path.join(workDir, 'deploy-project'), readyStampFile);
    const quiet = () => undefined;
    const { endpoint } = await ensureEndpoint({ api: endpoints, name: 'bench', translation: translateEndpointFile(files.endpointFile, { scope }), location: workspace.location, wait: { log: quiet } });
    const translation = translateDeploymentFile(files.deploymentFile, { scope });
    const plan = await prepareDeploymentAssets({ api, translation, location: workspace.location, openStore: () => openDefaultBlobStore(api, { httpClient: session.httpClient, credential: session.credential, maskSecret: quiet }), log: quiet });
    const authorization = await scoringAuthorization(endpoints, 'bench', endpoint.properties.authMode, session.credential, quiet);
    await endpoints.putDeployment('bench', 'slow', plan.body, plan.apiVersion);
    const waitStarted = Date.now();
    const outcome = await waitForProvisioning({
      what: 'slow',
      log: quiet,
      read: async (signal) => {
        const read = await endpoints.getDeployment('bench', 'slow', signal);
        return { resource: read.resource, state: read.resource?.properties.provisioningState, retryAfterMs: read.retryAfterMs };
      },
      probe: swaggerReadinessProbe(session.httpClient, endpoint.properties.swaggerUri!, 'slow', authorization),
    });
    const noticed = Date.now();
    const ready = Number(fs.readFileSync(readyStampFile, 'utf8').trim());
    const minutes = (noticed - waitStarted) / 60_000;
    console.log(`  deployment ${outcome.state}: ${outcome.armReads} ARM reads in ${minutes.toFixed(2)} minutes of waiting = ${(outcome.armReads / minutes).toFixed(1)} per minute, ${ratio(outcome.armReads / minutes, TARGETS.armReadsPerMinute)}`);
    console.log(`  Succeeded noticed ${noticed - ready} ms after init() returned (the service reports Succeeded once the server listens, just after), ${ratio(noticed - ready, TARGETS.noticedMs, ' ms')}`);
  } finally {
    session.dispose();
    cancellation.dispose();
    await emulator.stop();
  }
}
