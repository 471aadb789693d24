import { strict as assert } from "node:assert";
import type { DeploymentTranslation } from "../../tasks/common/deploySpec";
import { checkKubernetesCompute } from "../../tasks/common/deploy/kubernetesChecks";
import { fakeEndpointsApi } from "./fakes";

describe("deploy: Kubernetes checks before deploying", () => {
  const translation = (instanceType?: string) => ({ kind: "kubernetes", name: "blue", endpointName: "churn", instanceType, fields: { name: "d.yml:2:7", instance_type: "d.yml:9:16" } }) as unknown as DeploymentTranslation;
  const compute = (properties: Record<string, unknown>) => ({ name: "k8s", properties: { computeType: "Kubernetes", provisioningState: "Succeeded", properties: { namespace: "azureml", defaultInstanceType: "small", instanceTypes: { small: {}, large: {} } }, ...properties } });
  const check = async (read: unknown, instanceType?: string) => {
    const api = fakeEndpointsApi();
    api.getCompute.resolves(read);
    const log: string[] = [];
    await checkKubernetesCompute(api, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/k8s", translation(instanceType), (m) => log.push(m));
    assert.equal(api.getCompute.firstCall.args[0], "k8s");
    return log;
  };

  it("accepts a healthy attached compute and the default instance type", async () => {
    assert.deepEqual(await check(compute({})), ["Kubernetes compute 'k8s': healthy, namespace 'azureml', instance type 'small'."]);
  });

  it("refuses a compute that is not attached", async () => {
    await assert.rejects(check(undefined), /Kubernetes compute 'k8s' of endpoint 'churn' is not attached to workspace 'ws'/);
  });

  it("refuses a compute of another type", async () => {
    await assert.rejects(check(compute({ computeType: "AmlCompute" })), /is a AmlCompute compute; Kubernetes online endpoints need an attached Kubernetes/);
  });

  it("refuses an unhealthy compute with the service's reason", async () => {
    await assert.rejects(check(compute({ provisioningState: "Failed", provisioningErrors: [{ error: { message: "extension not installed" } }] })), /not healthy \(provisioning state Failed\): extension not installed/);
  });

  it("refuses a compute without a namespace", async () => {
    await assert.rejects(check(compute({ properties: { instanceTypes: {} } })), /has no namespace configured/);
  });

  it("refuses an instance type the compute does not define, at its position", async () => {
    await assert.rejects(check(compute({}), "huge"), /d\.yml:9:16.*instance type 'huge' is not defined on Kubernetes compute 'k8s'; defined: small, large/);
  });
});
