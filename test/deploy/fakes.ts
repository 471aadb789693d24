// A fake OnlineEndpointsApi: every method a sinon stub, with defaults that describe a quiet endpoint.
import * as sinon from "sinon";
import type { OnlineEndpointsApi } from "../../tasks/common/workspace/onlineEndpoints";

export type FakeEndpointsApi = { [K in Exclude<keyof OnlineEndpointsApi, "scope">]: sinon.SinonStub } & OnlineEndpointsApi;

export function fakeEndpointsApi(): FakeEndpointsApi {
  return {
    scope: { subscriptionId: "sub", resourceGroup: "rg", workspace: "ws" },
    getEndpoint: sinon.stub().resolves({}),
    putEndpoint: sinon.stub().resolves({}),
    listDeployments: sinon.stub().resolves([]),
    getDeployment: sinon.stub().resolves({}),
    putDeployment: sinon.stub().resolves({}),
    operationError: sinon.stub().resolves(undefined),
    scaleDeployment: sinon.stub().resolves(),
    deleteDeployment: sinon.stub().resolves(),
    getLogs: sinon.stub().resolves(""),
    listKeys: sinon.stub().resolves({}),
    getToken: sinon.stub().resolves({}),
    getCompute: sinon.stub().resolves(undefined),
  } as FakeEndpointsApi;
}

/** A clock whose sleep moves time forward instantly. */
export function fakeClock(start = 0) {
  let now = start;
  return { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
}
