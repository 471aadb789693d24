import { strict as assert } from "node:assert";
import { deleteFailedDeployment } from "../../tasks/common/deploy/cleanup";
import { fakeEndpointsApi } from "./fakes";

describe("deploy: onFailure delete", () => {
  const endpoint = (traffic: Record<string, number>, mirrorTraffic: Record<string, number> = {}) => ({ resource: { name: "churn", location: "westeurope", properties: { traffic, mirrorTraffic } } });

  it("deletes a failed deployment the endpoint sends nothing to", async () => {
    const api = fakeEndpointsApi();
    api.getEndpoint.resolves(endpoint({ blue: 100, green: 0 }));
    const log: string[] = [];
    assert.equal(await deleteFailedDeployment(api, "churn", "green", (m) => log.push(m)), "deleted");
    assert.deepEqual(api.deleteDeployment.firstCall.args.slice(0, 2), ["churn", "green"]);
  });

  it("never deletes a deployment with live traffic", async () => {
    const api = fakeEndpointsApi();
    api.getEndpoint.resolves(endpoint({ blue: 90, green: 10 }));
    const log: string[] = [];
    assert.equal(await deleteFailedDeployment(api, "churn", "green", (m) => log.push(m)), "keptServing");
    assert.equal(api.deleteDeployment.callCount, 0);
    assert.match(log.join("\n"), /sends it 10% of its traffic/);
  });

  it("never deletes a deployment that receives mirror traffic", async () => {
    const api = fakeEndpointsApi();
    api.getEndpoint.resolves(endpoint({ blue: 100 }, { green: 20 }));
    const log: string[] = [];
    assert.equal(await deleteFailedDeployment(api, "churn", "green", (m) => log.push(m)), "keptServing");
    assert.equal(api.deleteDeployment.callCount, 0);
    assert.match(log.join("\n"), /mirrors 20% to it/);
  });

  it("reports a delete that fails instead of throwing", async () => {
    const api = fakeEndpointsApi();
    api.getEndpoint.resolves(endpoint({ blue: 100 }));
    api.deleteDeployment.rejects(new Error("409 Conflict"));
    const log: string[] = [];
    assert.equal(await deleteFailedDeployment(api, "churn", "green", (m) => log.push(m)), "failed");
    assert.match(log.join("\n"), /Could not delete the failed deployment 'green': 409 Conflict/);
  });
});
