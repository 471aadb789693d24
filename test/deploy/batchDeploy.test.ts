// AzureMLDeploy@1 with batch files, against an in-memory batch endpoints API: the endpoint is created without a
// default, the deployment PUT and waited for, and the default moves only after a passing smoke invocation.
import * as assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import * as path from "node:path";
import * as sinon from "sinon";
import type { BatchDeployServices, BatchSmokeInvoker, BatchSmokeRequest } from "../../tasks/common/deploy/batchDeploy";
import { readDeployInputs } from "../../tasks/common/deploy/inputs";
import { runDeployTask } from "../../tasks/common/deploy/runDeployTask";
import { installCancellationHandlers, type Cancellation } from "../../tasks/common/platform/cancellation";
import type { BatchDeploymentResource, BatchEndpointResource, BatchEndpointsApi, BatchJobResource } from "../../tasks/common/workspace/batchEndpoints";
import type { WorkspaceApi } from "../../tasks/common/workspace/workspaceApi";
import { fakeHost, fakeSession, printed, RoutingHttpClient, SUBSCRIPTION, type FakeHost } from "../common/fakes";
import { writeTree } from "../jobSpec/helpers";
import { fakeClock } from "./fakes";

const ENDPOINT_YML = `$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json
name: churn-batch
description: Scores churn in batch
defaults:
  deployment_name: green
`;
const DEPLOYMENT_YML = `$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
name: green
endpoint_name: churn-batch
type: model
model: azureml:churn-model:3
compute: azureml:batch-cluster
resources:
  instance_count: 2
settings:
  mini_batch_size: 10
  output_action: append_row
  output_file_name: predictions.csv
`;

/** Batch endpoints in memory: a PUT leaves the resource Creating/Updating; the next read finds it `outcome`. */
class MemoryBatchEndpoints implements BatchEndpointsApi {
  readonly scope = { subscriptionId: SUBSCRIPTION, resourceGroup: "rg", workspace: "ws" };
  readonly endpoints = new Map<string, BatchEndpointResource>();
  readonly deployments = new Map<string, BatchDeploymentResource>();
  readonly calls: string[] = [];
  readonly puts: Array<{ what: string; body: unknown; apiVersion?: string }> = [];
  deploymentOutcome = "Succeeded";

  async getEndpoint(name: string) {
    const resource = this.endpoints.get(name);
    if (resource && !["Succeeded", "Failed"].includes(resource.properties.provisioningState ?? "")) resource.properties.provisioningState = "Succeeded";
    return { resource: resource && structuredClone(resource) };
  }
  async putEndpoint(name: string, body: unknown) {
    this.calls.push(`PUT endpoint ${name}`);
    this.puts.push({ what: `endpoint ${name}`, body });
    const b = body as { location: string; tags?: Record<string, string>; properties: BatchEndpointResource["properties"] };
    const resource: BatchEndpointResource = { name, location: b.location, tags: b.tags, properties: { ...structuredClone(b.properties), scoringUri: `https://${name}.westeurope.inference.ml.azure.com/jobs`, provisioningState: "Updating" } };
    this.endpoints.set(name, resource);
    return resource;
  }
  async listDeployments() {
    return [...this.deployments.values()];
  }
  async getDeployment(endpoint: string, name: string) {
    const resource = this.deployments.get(`${endpoint}/${name}`);
    if (resource && resource.properties.provisioningState === "Creating") resource.properties.provisioningState = this.deploymentOutcome;
    return { resource: resource && structuredClone(resource) };
  }
  async putDeployment(endpoint: string, name: string, body: unknown, apiVersion?: string) {
    this.calls.push(`PUT deployment ${endpoint}/${name}`);
    this.puts.push({ what: `deployment ${endpoint}/${name}`, body, apiVersion });
    const resource: BatchDeploymentResource = { name, properties: { ...(body as { properties: object }).properties, provisioningState: "Creating" } };
    this.deployments.set(`${endpoint}/${name}`, resource);
    return { resource, operationUrl: "https://management.azure.com/operations/1" };
  }
  async operationError() {
    return { code: "BadCompute", message: "compute batch-cluster was not found" };
  }
  async invoke(): Promise<BatchJobResource> {
    throw new Error("the deployment itself never invokes (the smoke invoker does)");
  }
}

interface Harness {
  host: FakeHost;
  services: BatchDeployServices;
  endpoints: MemoryBatchEndpoints;
  smoke: sinon.SinonStub<[BatchSmokeRequest], ReturnType<BatchSmokeInvoker>>;
  cancellation: Cancellation;
  run(): Promise<void>;
  output(name: string): string | undefined;
  result(): [string, string];
}

function harness(inputs: Record<string, string>, files: Record<string, string> = { "endpoint.yml": ENDPOINT_YML, "deployment.yml": DEPLOYMENT_YML }): Harness {
  const dir = writeTree(files);
  const host = fakeHost({
    inputs: { azureSubscription: "conn", resourceGroupName: "rg", workspaceName: "ws", endpointFile: path.join(dir, "endpoint.yml"), deploymentFile: path.join(dir, "deployment.yml"), ...inputs },
  });
  const endpoints = new MemoryBatchEndpoints();
  const smoke = sinon.stub<[BatchSmokeRequest], ReturnType<BatchSmokeInvoker>>().callsFake(async (request) => {
    endpoints.calls.push(`invoke ${request.endpoint}/${request.deployment} on ${request.input}`);
    return { jobName: "batchjob-1", status: "Completed", passed: true, outputLocation: "azureml://datastores/workspaceblobstore/paths/batch/out" };
  });
  const clock = fakeClock();
  const workspace = { scope: endpoints.scope, putAssetVersion: sinon.stub().resolves({ id: "x" }) } as unknown as WorkspaceApi;
  const services: BatchDeployServices = { location: "westeurope", endpoints, workspace, openStore: async () => assert.fail("nothing to upload"), invokeSmokeTest: smoke, now: clock.now, sleep: clock.sleep };
  const cancellation = installCancellationHandlers({ signals: new EventEmitter(), exit: sinon.stub(), log: () => undefined });
  return {
    host,
    services,
    endpoints,
    smoke,
    cancellation,
    run: async () =>
      runDeployTask(host, { cancellation, defer: () => undefined }, fakeSession(new RoutingHttpClient()), readDeployInputs(host), {
        services: async () => assert.fail("a batch file must not take the online path"),
        batchServices: async () => services,
      }),
    output: (name) => host.setVariable.getCalls().find((c) => c.args[0] === name && c.args[2]?.isOutput)?.args[1],
    result: () => host.setResult.lastCall.args as [string, string],
  };
}

describe("deploy: batch endpoints and deployments", () => {
  let h: Harness | undefined;
  afterEach(() => h?.cancellation.dispose());

  it("creates the endpoint without a default, deploys, smoke-tests and only then makes the deployment the default", async () => {
    h = harness({ setDefault: "true", smokeTestInput: "azureml:churn-sample:1" });
    await h.run();
    assert.deepEqual(h.result(), ["Succeeded", "Batch deployment 'green' of endpoint 'churn-batch' is provisioned and passed its smoke invocation; it is now the endpoint's default."]);
    assert.deepEqual(h.endpoints.calls, ["PUT endpoint churn-batch", "PUT deployment churn-batch/green", "invoke churn-batch/green on azureml:churn-sample:1", "PUT endpoint churn-batch"]);
    const [create, deployment, makeDefault] = h.endpoints.puts;
    assert.deepEqual(create.body, { location: "westeurope", tags: {}, properties: { authMode: "AADToken", properties: {}, description: "Scores churn in batch" } });
    assert.equal(deployment.apiVersion, "2023-04-01");
    const ws = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws`;
    assert.deepEqual(deployment.body, {
      location: "westeurope",
      tags: {},
      properties: {
        compute: `${ws}/computes/batch-cluster`,
        properties: {},
        environmentVariables: {},
        model: { referenceType: "Id", assetId: `${ws}/models/churn-model/versions/3` },
        resources: { instanceCount: 2, properties: {} },
        outputAction: "AppendRow",
        outputFileName: "predictions.csv",
        miniBatchSize: 10,
      },
    });
    assert.deepEqual((makeDefault.body as BatchEndpointResource).properties.defaults, { deploymentName: "green" });
    assert.equal(h.output("defaultDeploymentBefore"), "");
    assert.equal(h.output("smokeJobName"), "batchjob-1");
    assert.equal(h.output("provisioningState"), "Succeeded");
    assert.match(printed(h.host).join("\n"), /defaults\.deployment_name is not sent; a deployment becomes the default only through setDefault/);
  });

  it("keeps the endpoint's default when the smoke invocation fails, and fails the step saying why", async () => {
    h = harness({ setDefault: "true", smokeTestInput: "./sample" });
    await h.endpoints.putEndpoint("churn-batch", { location: "westeurope", tags: { team: "a" }, properties: { authMode: "AADToken", properties: {}, defaults: { deploymentName: "blue" } } });
    h.endpoints.calls.length = 0;
    h.smoke.callsFake(async (request) => {
      h!.endpoints.calls.push(`invoke ${request.endpoint}/${request.deployment} on ${request.input}`);
      return { jobName: "batchjob-2", status: "Failed", passed: false, reason: "run() raised KeyError: 'age' in batch_driver.py" };
    });
    await h.run();
    assert.deepEqual(h.result(), [
      "Failed",
      "Smoke invocation of batch deployment 'green' (job batchjob-2) ended Failed: run() raised KeyError: 'age' in batch_driver.py. The deployment is kept and the endpoint's default stays 'blue'.",
    ]);
    // The existing endpoint got its description merged; no PUT after the invocation.
    assert.deepEqual(h.endpoints.calls, ["PUT endpoint churn-batch", "PUT deployment churn-batch/green", "invoke churn-batch/green on ./sample"]);
    assert.deepEqual((await h.endpoints.getEndpoint("churn-batch")).resource?.properties.defaults, { deploymentName: "blue" });
    assert.deepEqual((await h.endpoints.getEndpoint("churn-batch")).resource?.tags, { team: "a" });
    assert.equal(h.output("defaultDeploymentBefore"), "blue");
  });

  it("keeps the default when the smoke invocation cannot start", async () => {
    h = harness({ setDefault: "true", smokeTestInput: "./missing" });
    h.smoke.rejects(new Error("Input smokeTestInput: './missing' is not a data asset, datastore URI or URL, and there is no local file or folder"));
    await h.run();
    assert.deepEqual(h.result(), [
      "Failed",
      "Smoke invocation of batch deployment 'green' could not run: Input smokeTestInput: './missing' is not a data asset, datastore URI or URL, and there is no local file or folder The deployment is kept and the endpoint's default stays unset.",
    ]);
    assert.deepEqual(h.endpoints.calls, ["PUT endpoint churn-batch", "PUT deployment churn-batch/green"]);
  });

  it("stops at a cancel while the deployment provisions: no invocation, the default untouched, the state said", async () => {
    h = harness({ setDefault: "true", smokeTestInput: "./sample" });
    const endpoints = h.endpoints;
    const getDeployment = endpoints.getDeployment.bind(endpoints);
    const signals = new EventEmitter();
    const cancellation = installCancellationHandlers({ signals, exit: sinon.stub(), log: () => undefined });
    h.cancellation.dispose();
    h.cancellation = cancellation;
    endpoints.getDeployment = async (endpoint: string, name: string) => {
      const read = await getDeployment(endpoint, name);
      if (read.resource) {
        read.resource.properties.provisioningState = "Creating";
        signals.emit("SIGINT");
      }
      return read;
    };
    endpoints.deploymentOutcome = "Creating";
    await runDeployTask(h.host, { cancellation, defer: () => undefined }, fakeSession(new RoutingHttpClient()), readDeployInputs(h.host), { batchServices: async () => h!.services });
    assert.equal(h.smoke.callCount, 0);
    assert.deepEqual(endpoints.calls, ["PUT endpoint churn-batch", "PUT deployment churn-batch/green"]);
    assert.match(printed(h.host).join("\n"), /Cancelled: stopped waiting\. Batch deployment 'green' of endpoint 'churn-batch' was (in provisioning state )?Creating; .* the endpoint's default deployment is untouched \(none\)/);
  });

  it("warns when the deployment updated in place is the endpoint's default", async () => {
    h = harness({});
    await h.endpoints.putEndpoint("churn-batch", { location: "westeurope", properties: { authMode: "AADToken", properties: {}, defaults: { deploymentName: "green" } } });
    await h.run();
    assert.equal(h.result()[0], "Succeeded");
    assert.match(printed(h.host).join("\n"), /Warning: 'green' is the endpoint's default deployment: updating it in place changes what invocations without a deployment name run/);
  });

  it("does not invoke or move the default when provisioning fails", async () => {
    h = harness({ setDefault: "true", smokeTestInput: "./sample" });
    h.endpoints.deploymentOutcome = "Failed";
    await h.run();
    assert.deepEqual(h.result(), ["Failed", "Batch deployment 'green' provisioning ended Failed: BadCompute: compute batch-cluster was not found. The endpoint's default is untouched."]);
    assert.equal(h.smoke.callCount, 0);
    assert.deepEqual(h.endpoints.calls, ["PUT endpoint churn-batch", "PUT deployment churn-batch/green"]);
  });

  it("smoke-tests without setDefault and leaves the default alone", async () => {
    h = harness({ smokeTestInput: "azureml://datastores/workspaceblobstore/paths/sample/" });
    await h.run();
    assert.equal(h.result()[0], "Succeeded");
    assert.match(h.result()[1], /passed its smoke invocation; the endpoint's default is untouched \(unset\)/);
    assert.deepEqual(h.endpoints.calls.at(-1), "invoke churn-batch/green on azureml://datastores/workspaceblobstore/paths/sample/");
  });

  it("dry run prints the batch requests and changes nothing", async () => {
    h = harness({ dryRun: "true", setDefault: "true", smokeTestInput: "./sample" });
    await h.run();
    const log = printed(h.host).join("\n");
    assert.match(log, /PUT \/subscriptions\/.*\/workspaces\/ws\/batchEndpoints\/churn-batch\?api-version=2023-04-01 \(when the endpoint does not exist; an existing one gets description, tags and properties merged; its default deployment is untouched\)/);
    assert.match(log, /PUT \/subscriptions\/.*\/batchEndpoints\/churn-batch\/deployments\/green\?api-version=2023-04-01/);
    assert.match(log, /Then: invoke deployment 'green' on \.\/sample and wait for its job; once it completes, make 'green' the endpoint's default\./);
    assert.doesNotMatch(log, /"defaults"/);
    assert.deepEqual(h.endpoints.calls, []);
    assert.equal(h.result()[0], "Succeeded");
  });

  it("refuses online-only inputs for batch files, naming what to use instead", async () => {
    h = harness({ trafficAfterDeploy: "all" });
    await assert.rejects(h.run(), /Input trafficAfterDeploy: batch endpoints have no traffic; use setDefault/);
    h.cancellation.dispose();
    h = harness({ smokeTestFile: "request.json" });
    await assert.rejects(h.run(), /Input smokeTestFile: a batch deployment is smoke-tested by invoking it on data; give smokeTestInput/);
    assert.deepEqual(h.endpoints.calls, []);
  });

  it("refuses setDefault without a smoke input, and batch inputs for online files", async () => {
    h = harness({ setDefault: "true" });
    assert.throws(() => readDeployInputs(h!.host), /Input smokeTestInput: required with setDefault/);
    h.cancellation.dispose();
    const online = path.resolve(__dirname, "..", "fixtures", "deploySpec", "managed-deployment.yml");
    h = harness({ endpointFile: "", deploymentFile: online, smokeTestInput: "./sample" });
    await assert.rejects(h.run(), /Input smokeTestInput: only for batch deployments; .*managed-deployment\.yml is an online deployment file/);
  });

  it("refuses an online endpoint file with a batch deployment file", async () => {
    const online = path.resolve(__dirname, "..", "fixtures", "deploySpec", "managed-endpoint.yml");
    h = harness({ endpointFile: online });
    await assert.rejects(h.run(), /managed-endpoint\.yml:1:10: this file follows managedonlineendpoint\.schema\.json, not a batch endpoint schema; this is an online endpoint file, and the other file is for batch endpoints/);
  });
});
