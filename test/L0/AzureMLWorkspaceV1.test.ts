// L0 tests of AzureMLWorkspace@1: the real task and task-lib in a child process started by task-lib's
// MockTestRunner, talking HTTPS to a loopback fake cloud. Nothing leaves 127.0.0.1.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { MockTestRunner } from "azure-pipelines-task-lib/mock-test";
import { runMockTask, useLoopbackCertificate } from "./mockTaskRun";
import { L0 } from "./AzureMLWorkspaceV1/fakeAzure";

const taskDir = path.join(__dirname, "..", "..", "tasks", "AzureMLWorkspaceV1");
const taskJsonPath = path.join(taskDir, "task.json");

describe("AzureMLWorkspace@1 (L0)", function () {
  this.timeout(60_000);
  const tls = useLoopbackCertificate();

  const run = (scenario: string, extraEnv: Record<string, string> = {}): Promise<MockTestRunner> =>
    runMockTask(path.join(__dirname, "AzureMLWorkspaceV1", "mockRun.ts"), taskJsonPath, { L0_SCENARIO: scenario, ...tls.env(), ...extraEnv });

  const output = (runner: MockTestRunner, name: string): string | undefined =>
    new RegExp(`##vso\\[task\\.setvariable variable=${name};isOutput=true;issecret=false;\\]([^\\r\\n]*)`).exec(runner.stdout)?.[1];

  it("verifies the workspace with a service principal secret and sets the outputs", async () => {
    const configFile = path.join(tls.dir, "out", "config.json");
    const runner = await run("success", { L0_CONFIG_FILE: configFile });
    assert.equal(runner.succeeded, true, runner.stdout + runner.stderr);
    const armId = `/subscriptions/${L0.subscriptionId}/resourceGroups/${L0.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${L0.workspace}`;
    assert.equal(output(runner, "workspaceId"), armId);
    assert.equal(output(runner, "location"), L0.location);
    assert.equal(output(runner, "discoveryUrl"), `https://${L0.location}.api.azureml.ms/discovery`);
    assert.equal(output(runner, "mlflowTrackingUri"), `azureml://${L0.location}.api.azureml.ms/mlflow/v1.0${armId}`);
    assert.match(output(runner, "studioUrl") ?? "", new RegExp(`\\?wsid=${armId}&tid=${L0.tenantId}$`));
    assert.deepEqual(JSON.parse(fs.readFileSync(configFile, "utf8")), { subscription_id: L0.subscriptionId, resource_group: L0.resourceGroup, workspace_name: L0.workspace });
    assert.match(runner.stdout, /Workspace 'mlws' \(westeurope\) in resource group 'rg-ml', subscription 'L0 subscription' is reachable as service principal/);
    // The secret and the token are registered with the agent's masker before they could appear anywhere.
    const lines = runner.stdout.split(/\r?\n/);
    const masked = (secret: string): number => lines.indexOf(`##vso[task.setsecret]${secret}`);
    assert.ok(masked(L0.clientSecret) >= 0 && masked(L0.accessToken) >= 0, "secrets not masked");
    assert.ok(lines.every((line, index) => !line.includes(L0.clientSecret) || index === masked(L0.clientSecret)));
    assert.ok(lines.every((line, index) => !line.includes(L0.accessToken) || index === masked(L0.accessToken)));
  });

  it("treats configFile left empty (the agent passes the repository root) as not supplied", async () => {
    const repositoryRoot = fs.mkdtempSync(path.join(tls.dir, "repo-"));
    const runner = await run("success", { L0_CONFIG_FILE: repositoryRoot, L0_DEFAULT_WORKING_DIRECTORY: repositoryRoot });
    assert.equal(runner.succeeded, true, runner.stdout + runner.stderr);
    assert.deepEqual(fs.readdirSync(repositoryRoot), []);
    assert.doesNotMatch(runner.stdout, /Wrote Azure ML config/);
  });

  it("roots a relative configFile at the default working directory", async () => {
    const repositoryRoot = fs.mkdtempSync(path.join(tls.dir, "repo-"));
    const runner = await run("success", { L0_CONFIG_FILE: "aml/config.json", L0_DEFAULT_WORKING_DIRECTORY: repositoryRoot });
    assert.equal(runner.succeeded, true, runner.stdout + runner.stderr);
    assert.equal(JSON.parse(fs.readFileSync(path.join(repositoryRoot, "aml", "config.json"), "utf8")).workspace_name, L0.workspace);
  });

  it("authenticates with workload identity federation through the job's OIDC endpoint", async () => {
    const runner = await run("federated");
    assert.equal(runner.succeeded, true, runner.stdout + runner.stderr);
    assert.match(runner.stdout, /reachable as workload identity federation/);
    assert.ok(runner.stdout.includes(`##vso[task.setsecret]${L0.systemAccessToken}`));
    assert.ok(runner.stdout.includes(`##vso[task.setsecret]${L0.oidcToken}`));
  });

  it("fails with a message naming a missing required input, without a stack trace", async () => {
    const runner = await run("missingInput");
    assert.equal(runner.failed, true);
    assert.ok(runner.createdErrorIssue("Input required: workspaceName"), runner.stdout);
    assert.doesNotMatch(runner.stdout + runner.stderr, /\n\s+at .+:\d+:\d+/);
  });

  it("fails with what the identity can see when the workspace does not exist", async () => {
    const runner = await run("notFound");
    assert.equal(runner.failed, true);
    assert.match(runner.stdout, /Azure ML workspace 'missing-ws' was not found in resource group 'rg-ml'/);
    assert.match(runner.stdout, /workspaces the identity can see in subscription 'L0 subscription': mlws \(resource group rg-ml\)/);
    assert.doesNotMatch(runner.stdout + runner.stderr, /\n\s+at .+:\d+:\d+/);
  });

  it("fails readably when Entra ID rejects the service principal", async () => {
    const runner = await run("badSecret");
    assert.equal(runner.failed, true);
    assert.match(runner.stdout, /Azure sign-in failed for service principal 4{8}-0000-0000-0000-0{12} \(client secret\) at https:\/\/127\.0\.0\.1:\d+\/: AADSTS7000215: Invalid client secret provided\./);
  });
});
