import { strict as assert } from "node:assert";
import { endpointWriteBody, ONLINE_ENDPOINTS_API_VERSION, type OnlineEndpointResource } from "../../tasks/common/workspace/onlineEndpoints";

describe("workspace: online endpoints", () => {
  const existing: OnlineEndpointResource = {
    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/churn",
    name: "churn",
    location: "westeurope",
    identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/s/id/uai": { principalId: "p", clientId: "c" } } },
    tags: { team: "churn" },
    properties: {
      description: "Churn",
      authMode: "Key",
      properties: { owner: "ml" },
      traffic: { blue: 90, green: 10 },
      mirrorTraffic: { green: 20 },
      publicNetworkAccess: "Enabled",
      scoringUri: "https://churn.westeurope.inference.ml.azure.com/score",
      swaggerUri: "https://churn.westeurope.inference.ml.azure.com/swagger.json",
      provisioningState: "Succeeded",
    },
  };

  it("speaks 2023-04-01, the first version with mirrorTraffic", () => {
    assert.equal(ONLINE_ENDPOINTS_API_VERSION, "2023-04-01");
  });

  it("writes the endpoint back with new traffic, keeping its mirror and leaving read-only fields out", () => {
    const body = endpointWriteBody(existing, { traffic: { green: 100 } });
    assert.deepEqual(body, {
      location: "westeurope",
      identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/s/id/uai": {} } },
      tags: { team: "churn" },
      properties: { description: "Churn", authMode: "Key", properties: { owner: "ml" }, traffic: { green: 100 }, mirrorTraffic: { green: 20 }, publicNetworkAccess: "Enabled" },
    });
  });

  it("keeps the traffic as it is when only the mirror changes", () => {
    const body = endpointWriteBody(existing, { mirrorTraffic: {} }) as { properties: { traffic: unknown; mirrorTraffic: unknown } };
    assert.deepEqual(body.properties.traffic, { blue: 90, green: 10 });
    assert.deepEqual(body.properties.mirrorTraffic, {});
  });
});
