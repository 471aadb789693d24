import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ComputeSpecError, loadComputeSpec } from "../../tasks/common/compute/specFile";
import { JobSpecError } from "../../tasks/common/jobSpec";
import { UserError } from "../../tasks/common/platform/userError";

const context = { subscriptionId: "sub-1", resourceGroup: "rg-ml" };
let dir: string;

function specFile(text: string, name = "compute.yml"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function specError(text: string): string {
  const file = specFile(text);
  try {
    loadComputeSpec(file, context);
  } catch (error) {
    assert.ok(error instanceof UserError, `not a UserError: ${String(error)}`);
    assert.ok(error instanceof ComputeSpecError && !(error instanceof JobSpecError), `not a ComputeSpecError: ${String(error)}`);
    return error.message.replace(file, "FILE");
  }
  assert.fail("no error");
}

describe("compute spec files (az ml compute YAML)", () => {
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "compute-spec-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("translates an amlcompute file to the ARM body azure-ai-ml sends", () => {
    const spec = loadComputeSpec(
      specFile(`$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: gpu-cluster
type: amlcompute
size: Standard_NC6s_v3
min_instances: 0
max_instances: 4
idle_time_before_scale_down: 180
tier: low_priority
location: westus2
tags:
  team: vision
identity:
  type: user_assigned
  user_assigned_identities:
    - resource_id: /subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai
network_settings:
  vnet_name: ml-vnet
  subnet: training
ssh_settings:
  admin_username: azureuser
  admin_password: P@ssw0rd-secret
`),
      context,
    );
    assert.equal(spec.name, "gpu-cluster");
    assert.equal(spec.computeType, "AmlCompute");
    assert.deepEqual(spec.scale, { minNodeCount: 0, maxNodeCount: 4, idleSeconds: 180 });
    assert.deepEqual(spec.secrets, ["P@ssw0rd-secret"]);
    assert.deepEqual(spec.body, {
      location: "westus2",
      tags: { team: "vision" },
      identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai": {} } },
      properties: {
        computeType: "AmlCompute",
        properties: {
          vmSize: "Standard_NC6s_v3",
          vmPriority: "LowPriority",
          scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: "PT180S" },
          userAccountCredentials: { adminUserName: "azureuser", adminUserPassword: "P@ssw0rd-secret" },
          subnet: { id: "/subscriptions/sub-1/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/ml-vnet/subnets/training" },
          remoteLoginPortPublicAccess: "NotSpecified",
          enableNodePublicIp: true,
        },
      },
    });
  });

  it("applies azure-ai-ml's defaults to a minimal amlcompute file", () => {
    const spec = loadComputeSpec(specFile("name: c\ntype: AmlCompute\n"), context);
    assert.deepEqual(spec.scale, { minNodeCount: 0, maxNodeCount: 1, idleSeconds: undefined });
    assert.equal(spec.size, "STANDARD_DS3_V2");
    assert.deepEqual((spec.body.properties as { properties: unknown }).properties, { vmSize: "STANDARD_DS3_V2", scaleSettings: { minNodeCount: 0, maxNodeCount: 1 }, remoteLoginPortPublicAccess: "NotSpecified", enableNodePublicIp: true });
  });

  it("translates a computeinstance file", () => {
    const spec = loadComputeSpec(specFile("name: dev\ntype: computeinstance\nsize: Standard_DS2_v2\nidle_time_before_shutdown_minutes: 30\n"), context);
    assert.deepEqual(spec.body, { properties: { computeType: "ComputeInstance", properties: { vmSize: "Standard_DS2_v2", idleTimeBeforeShutdown: "PT30M" } } });
  });

  it("translates a kubernetes attach file", () => {
    const spec = loadComputeSpec(specFile("name: k8s\ntype: kubernetes\nresource_id: /subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks\nnamespace: azureml\n"), context);
    assert.deepEqual(spec.body, { properties: { computeType: "Kubernetes", resourceId: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks", properties: { namespace: "azureml" } } });
  });

  describe("invalid files name file, line and field", () => {
    it("an unknown type", () => {
      assert.equal(specError("name: c\ntype: batchcompute\n"), "Invalid compute spec file (input specFile): FILE:2:7: type must be one of amlcompute, computeinstance, kubernetes, not 'batchcompute'");
    });

    it("a misspelt field", () => {
      assert.match(specError("name: c\ntype: amlcompute\nmax_instance: 4\n"), /FILE:3:1: unknown field 'max_instance' for type amlcompute; allowed: .*max_instances/);
    });

    it("a non-integer", () => {
      assert.match(specError("name: c\ntype: amlcompute\nmax_instances: four\n"), /FILE:3:16: max_instances must be an integer, not 'four'/);
    });

    it("max below min", () => {
      assert.match(specError("name: c\ntype: amlcompute\nmin_instances: 3\nmax_instances: 2\n"), /FILE:4:16: max_instances \(2\) must not be less than min_instances \(3\)/);
    });

    it("a missing name", () => {
      assert.match(specError("type: amlcompute\n"), /FILE:1:1: missing required field 'name'/);
    });

    it("an unknown tier", () => {
      assert.match(specError("name: c\ntype: amlcompute\ntier: spot\n"), /FILE:3:7: tier must be dedicated or low_priority, not 'spot'/);
    });

    it("a field az ml accepts but this task cannot apply", () => {
      assert.match(specError("name: c\ntype: computeinstance\nschedules:\n  compute_start_stop: []\n"), /FILE:3:1: field 'schedules' is not supported by this task/);
    });

    it("broken YAML", () => {
      assert.match(specError("name: c\ntype: [amlcompute\n"), /FILE:\d+:\d+: invalid YAML/);
    });

    it("a file that does not exist", () => {
      assert.throws(() => loadComputeSpec(path.join(dir, "missing.yml"), context), (error: Error) => error instanceof UserError && /missing\.yml: file not found/.test(error.message));
    });
  });
});
