// Each check of AzureMLGate@1 on a fake port: pass, fail and inconclusive, and what it says it compared.
import { strict as assert } from "node:assert";
import { checkChampionChallenger, parseDeploymentModel, type ChampionChallengerSettings } from "../../tasks/common/gate/championChallengerCheck";
import { checkEndpointHealth, type EndpointHealthSettings } from "../../tasks/common/gate/endpointHealthCheck";
import { isRefused, judgeLoad, type LoadMeasurement, type LoadTestSettings } from "../../tasks/common/gate/loadTestCheck";
import { checkModelMetric, type ModelMetricSettings } from "../../tasks/common/gate/modelMetricCheck";
import { sourceJobOf } from "../../tasks/common/gate/modelMetrics";
import { FakeGatePort, NOW, signal, type FakeState } from "./fakePort";

const modelId = (name: string, version: string) => `/subscriptions/sub/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlws/models/${name}/versions/${version}`;

describe("gate: modelMetric", () => {
  const settings: ModelMetricSettings = { model: { name: "churn", version: "3" }, metric: "accuracy", direction: "higherIsBetter", threshold: 0.85, source: "auto" };
  const state: FakeState = { models: { "churn:3": { jobName: "train-3" }, "churn:4": { properties: { accuracy: "0.9" } }, "churn:5": {} }, jobMetrics: { "train-3": { accuracy: 0.91, loss: 0.2 } } };

  it("passes when the source job's MLflow metric meets the threshold, naming the job", async () => {
    const result = await checkModelMetric(new FakeGatePort(state), settings, signal);
    assert.equal(result.verdict, "pass");
    assert.match(result.reasons[0], /accuracy of model churn:3 is 0\.91 \(from job train-3 \(MLflow\)\), meeting the threshold >= 0\.85/);
    assert.equal(result.values.value, 0.91);
  });

  it("fails a value on the wrong side of the threshold (lowerIsBetter)", async () => {
    const result = await checkModelMetric(new FakeGatePort(state), { ...settings, metric: "loss", direction: "lowerIsBetter", threshold: 0.1 }, signal);
    assert.equal(result.verdict, "fail");
    assert.match(result.reasons[0], /loss of model churn:3 is 0\.2 .*missing the threshold <= 0\.1/);
  });

  it("reads a model property when the model has no source job", async () => {
    const result = await checkModelMetric(new FakeGatePort(state), { ...settings, model: { name: "churn", version: "4" } }, signal);
    assert.equal(result.verdict, "pass");
    assert.match(result.reasons[0], /from property 'accuracy' of model churn:4/);
  });

  it("is inconclusive when neither the job nor the properties have the metric, saying what was looked at", async () => {
    const result = await checkModelMetric(new FakeGatePort(state), { ...settings, model: { name: "churn", version: "5" } }, signal);
    assert.equal(result.verdict, "inconclusive");
    assert.match(result.reasons[0], /model churn:5 names no source job; model churn:5 has no property 'accuracy'/);
    const jobOnly = await checkModelMetric(new FakeGatePort(state), { ...settings, metric: "f1", source: "job" }, signal);
    assert.equal(jobOnly.verdict, "inconclusive");
    assert.match(jobOnly.reasons[0], /job train-3 logged no metric 'f1' \(it logged: accuracy, loss\)/);
  });

  it("names the inputs when the model version does not exist", async () => {
    await assert.rejects(checkModelMetric(new FakeGatePort(state), { ...settings, model: { name: "churn", version: "9" } }, signal), /Inputs modelName and modelVersion: model 'churn:9' was not found in workspace 'mlws'/);
  });

  it("finds the source job from jobName, the lineage property or an azureml://jobs URI", () => {
    assert.equal(sourceJobOf({ name: "1", properties: { jobName: "a" } }), "a");
    assert.equal(sourceJobOf({ name: "1", properties: { properties: { "azure-devops.sourceJob": "b" } } }), "b");
    assert.equal(sourceJobOf({ name: "1", properties: { modelUri: "azureml://jobs/c/outputs/artifacts/paths/model" } }), "c");
    assert.equal(sourceJobOf({ name: "1", properties: { modelUri: "azureml://datastores/x/paths/m" } }), undefined);
  });
});

describe("gate: championChallenger", () => {
  const settings: ChampionChallengerSettings = { candidate: { model: { name: "churn", version: "4" } }, endpointName: "churn-ep", metric: "accuracy", direction: "higherIsBetter", tolerance: { value: 0, relative: false }, source: "auto" };
  const base: FakeState = {
    models: { "churn:3": { jobName: "train-3" }, "churn:4": { jobName: "train-4" } },
    jobMetrics: { "train-3": { accuracy: 0.9 }, "train-4": { accuracy: 0.92 }, "train-5": { accuracy: 0.88 } },
    endpoints: { "churn-ep": { traffic: { blue: 80, green: 20 }, deployments: { blue: { model: modelId("churn", "3") }, green: { model: "azureml:churn:4" } } } },
  };

  it("passes a candidate better than the model serving most of the traffic, naming both models and jobs", async () => {
    const result = await checkChampionChallenger(new FakeGatePort(base), settings, signal);
    assert.equal(result.verdict, "pass");
    assert.match(result.reasons[0], /accuracy 0\.92 of model churn:4 \(from job train-4 \(MLflow\)\) against 0\.9 of the champion churn:3 \(deployment 'blue', 80% of traffic, from job train-3 \(MLflow\)\)/);
    assert.deepEqual(result.values.champions, [{ deployment: "blue", traffic: 80, model: "churn:3", value: 0.9, from: "job train-3 (MLflow)" }]);
  });

  it("fails a worse candidate beyond the tolerance, and passes it within a relative tolerance", async () => {
    const job = { ...settings, candidate: { job: "train-5" } };
    const worse = await checkChampionChallenger(new FakeGatePort(base), job, signal);
    assert.equal(worse.verdict, "fail");
    assert.match(worse.reasons[0], /job train-5 .* worse than the tolerance 0 \(higherIsBetter: needs >= 0\.9\)/);
    const tolerated = await checkChampionChallenger(new FakeGatePort(base), { ...job, tolerance: { value: 0.03, relative: true } }, signal);
    assert.equal(tolerated.verdict, "pass");
    assert.match(tolerated.reasons[0], /within the tolerance 3% \(higherIsBetter: needs >= 0\.873\)/);
  });

  it("passes with a note when the endpoint does not exist or takes no traffic yet", async () => {
    const none = await checkChampionChallenger(new FakeGatePort({ ...base, endpoints: {} }), settings, signal);
    assert.equal(none.verdict, "pass");
    assert.match(none.reasons[0], /No champion: endpoint 'churn-ep' does not exist yet, so model churn:4 \(accuracy 0\.92 from job train-4 \(MLflow\)\) has nothing to beat/);
    const idle = await checkChampionChallenger(new FakeGatePort({ ...base, endpoints: { "churn-ep": { traffic: { blue: 0 }, deployments: { blue: { model: modelId("churn", "3") } } } } }), settings, signal);
    assert.equal(idle.verdict, "pass");
    assert.match(idle.reasons[0], /takes no traffic yet/);
  });

  it("is inconclusive when the champion's metric cannot be read, saying why", async () => {
    const state = { ...base, jobMetrics: { "train-4": { accuracy: 0.92 } } };
    const result = await checkChampionChallenger(new FakeGatePort(state), settings, signal);
    assert.equal(result.verdict, "inconclusive");
    assert.match(result.reasons[0], /champion churn:3 .* could not be read: job train-3 logged no metric 'accuracy'/);
  });

  it("compares with every deployment tied for the most traffic: worse than one fails", async () => {
    const state: FakeState = { ...base, models: { ...base.models, "churn:2": { properties: { accuracy: "0.95" } } }, endpoints: { "churn-ep": { traffic: { blue: 50, red: 50 }, deployments: { blue: { model: modelId("churn", "3") }, red: { model: modelId("churn", "2") } } } } };
    const result = await checkChampionChallenger(new FakeGatePort(state), settings, signal);
    assert.equal(result.verdict, "fail");
    assert.deepEqual(result.rows.map((r) => r.verdict), ["pass", "fail"]);
  });

  it("reads model references in ARM id, azureml:name:version and registry form", () => {
    assert.deepEqual(parseDeploymentModel(modelId("churn", "3")), { name: "churn", version: "3" });
    assert.deepEqual(parseDeploymentModel("azureml:churn:4"), { name: "churn", version: "4" });
    assert.deepEqual(parseDeploymentModel("azureml://registries/shared/models/churn/versions/7"), { name: "churn", version: "7", registry: "shared" });
    assert.equal(parseDeploymentModel("azureml://datastores/x/paths/model"), undefined);
  });
});

describe("gate: endpointHealth", () => {
  const settings: EndpointHealthSettings = { endpointName: "churn-ep", windowMinutes: 15, metricDelayMs: 3 * 60_000, guardrails: { minRequests: 100, maxErrorRate: 0.01, maxLatencyP95Ms: 500 }, missingEndpoint: "fail" };
  const healthy: FakeState = {
    endpoints: { "churn-ep": { traffic: { blue: 90, green: 10, idle: 0 }, deployments: { blue: {}, green: {}, idle: { provisioningState: "Failed" } } } },
    metrics: { requests: { "2xx": 995, "4xx": 20, "5xx": 5 }, p95PerMinuteMs: [120, 150, 130] },
  };

  it("passes a provisioned endpoint whose traffic is within limits, over a window ending metricDelay before now", async () => {
    const port = new FakeGatePort(healthy);
    const result = await checkEndpointHealth(port, settings, signal);
    assert.equal(result.verdict, "pass", result.reasons.join("; "));
    assert.deepEqual(port.metricQueries, [{ endpointId: "/subscriptions/sub/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlws/onlineEndpoints/churn-ep", deployments: ["blue", "green"], fromMs: NOW - 18 * 60_000, toMs: NOW - 3 * 60_000 }]);
    assert.match(result.reasons[0], /1020 requests, error rate 0\.49%, p95 130 ms in 2026-12-05T11:42:00Z to 2026-12-05T11:57:00Z \(the last 15 min, ending 180 s ago because Azure Monitor's metrics arrive late\)/);
    assert.equal(result.values.requests, 1020);
    assert.ok(!result.rows.some((r) => r.measure.includes("idle")), "a deployment without traffic is not judged");
  });

  it("fails on a deployment with traffic that is not Succeeded, and on a broken guardrail", async () => {
    const state: FakeState = { ...healthy, endpoints: { "churn-ep": { traffic: { blue: 100 }, deployments: { blue: { provisioningState: "Updating" } } } } };
    const stuck = await checkEndpointHealth(new FakeGatePort(state), settings, signal);
    assert.equal(stuck.verdict, "fail");
    assert.match(stuck.reasons[0], /deployment 'blue' takes 100% of the traffic but is Updating/);
    const slow = await checkEndpointHealth(new FakeGatePort({ ...healthy, metrics: { requests: { "2xx": 900, "5xx": 100 }, p95PerMinuteMs: [900, 800] } }), settings, signal);
    assert.equal(slow.verdict, "fail");
    assert.match(slow.reasons.join("\n"), /error rate 10\.00% \(100 of 1000\) is above maxErrorRate 1\.00%/);
    assert.match(slow.reasons.join("\n"), /p95 latency 850 ms \(median of 2 minutes\) is above maxLatencyP95Ms 500 ms/);
    const missing = await checkEndpointHealth(new FakeGatePort({}), settings, signal);
    assert.equal(missing.verdict, "fail");
    assert.match(missing.reasons[0], /endpoint 'churn-ep' does not exist/);
  });

  it("passes a missing endpoint with a note only when told to (a gate before the first deployment)", async () => {
    const result = await checkEndpointHealth(new FakeGatePort({}), { ...settings, missingEndpoint: "pass" }, signal);
    assert.equal(result.verdict, "pass");
    assert.match(result.reasons[0], /does not exist in workspace 'mlws' yet: nothing serves users/);
  });

  it("is inconclusive, never a pass, below minRequests, even with no errors", async () => {
    const quiet = await checkEndpointHealth(new FakeGatePort({ ...healthy, metrics: { requests: { "2xx": 99 }, p95PerMinuteMs: [100] } }), settings, signal);
    assert.equal(quiet.verdict, "inconclusive");
    assert.match(quiet.reasons[0], /99 requests on the deployments with traffic \(blue, green\), fewer than the 100 needed to judge/);
    const idle = await checkEndpointHealth(new FakeGatePort({ endpoints: { "churn-ep": { traffic: {} } } }), settings, signal);
    assert.equal(idle.verdict, "inconclusive");
    assert.match(idle.reasons[0], /0 requests on endpoint 'churn-ep', which routes no live traffic/);
  });

  it("a failed provisioning outweighs too little data", async () => {
    const state: FakeState = { endpoints: { "churn-ep": { provisioningState: "Failed", traffic: { blue: 100 }, deployments: { blue: {} } } }, metrics: { requests: { "2xx": 3 }, p95PerMinuteMs: [] } };
    const result = await checkEndpointHealth(new FakeGatePort(state), settings, signal);
    assert.equal(result.verdict, "fail");
  });
});

describe("gate: loadTest", () => {
  const settings: LoadTestSettings = { endpointName: "churn-ep", deploymentName: "green", requestFile: "req.json", ratePerSecond: 20, concurrency: 4, durationMs: 30_000, limits: { maxP95Ms: 300, maxP99Ms: 800, maxErrorRate: 0.01, minThroughput: 15, minRequests: 100 } };
  const run = (extra: Partial<LoadMeasurement> = {}): LoadMeasurement => ({
    requests: 600, answered: 600, refused: 0, modelErrors: 0, serverErrors: 0, transportFailures: 0, unsent: 0, errorRate: 0, throughputPerSecond: 19.8, p50Ms: 40, p95Ms: 120, p99Ms: 400,
    histogram: [{ upToMs: 10, count: 0 }, { upToMs: 50, count: 400 }, { upToMs: 250, count: 190 }, { upToMs: 1000, count: 10 }, { upToMs: Infinity, count: 0 }],
    ...extra,
  });

  it("passes within every limit, with a table and a latency histogram", () => {
    const result = judgeLoad(settings, run());
    assert.equal(result.verdict, "pass", result.reasons.join("; "));
    assert.match(result.reasons[0], /deployment 'green' of endpoint 'churn-ep' answered 600 requests at 20\/s .*p95 120 ms, p99 400 ms, error rate 0\.00%, 19\.8\/s/);
    assert.match(result.details!, /\| 10–50 ms \| 400 \(67%\) \| █{30} \|/);
    assert.match(result.details!, /\| 250–1000 ms \| 10 \(2%\) \| █ \|/);
    assert.doesNotMatch(result.details!, /> 1000 ms|0–10 ms/, "empty buckets at the ends are left out");
  });

  it("fails on a latency percentile, the error rate or the throughput", () => {
    const slow = judgeLoad(settings, run({ p99Ms: 1200 }));
    assert.equal(slow.verdict, "fail");
    assert.match(slow.reasons[0], /p99 latency 1200 ms .* outside the limit <= 800 ms/);
    assert.equal(judgeLoad(settings, run({ serverErrors: 30, errorRate: 0.05 })).verdict, "fail");
    const crashing = judgeLoad(settings, run({ modelErrors: 12 }));
    assert.equal(crashing.verdict, "fail", "424: the model failed");
    assert.match(crashing.reasons[0], /error rate \(5xx, 424 model errors, transport failures\) 2\.00% \(0 5xx, 12 424, 0 failed\)/);
    assert.equal(judgeLoad(settings, run({ throughputPerSecond: 9 })).verdict, "fail");
  });

  it("is inconclusive with fewer answers than minRequests or when cancelled", () => {
    const few = judgeLoad(settings, run({ requests: 50, answered: 50, p99Ms: 5000 }));
    assert.equal(few.verdict, "inconclusive");
    assert.match(few.reasons[0], /50 answered requests .* fewer than the 100 needed to judge/);
    assert.equal(judgeLoad(settings, run({ cancelled: true })).verdict, "inconclusive");
  });

  it("does not count answers refused with a 4xx (a wrong request file, a missing deployment) toward minRequests", () => {
    const refused = judgeLoad(settings, run({ refused: 550 }));
    assert.equal(refused.verdict, "inconclusive");
    assert.match(refused.reasons.join("\n"), /50 answered requests .* fewer than the 100 needed to judge/);
    assert.match(refused.reasons.join("\n"), /550 requests were refused with a 4xx \(not throttling\): check requestFile \(req\.json\) and deploymentName/);
    assert.deepEqual([isRefused(404), isRefused(400), isRefused(424), isRefused(429), isRefused(200), isRefused(503), isRefused(undefined)], [true, true, false, false, false, false, false]);
  });
});


describe("gate: a promoted model's metric", () => {
  const dev = { subscriptionId: "sub", resourceGroup: "rg-ml", workspace: "mlw-dev" };
  const promotedFrom = (version: string) => ({ properties: { "azure-devops.promotedFrom": `azureml://subscriptions/sub/resourceGroups/rg-ml/workspaces/mlw-dev/models/churn/versions/${version}` } });

  it("is read from the source version's job in the workspace it was promoted from", async () => {
    const port = new FakeGatePort({ models: { "churn:7": promotedFrom("3") }, jobMetrics: {} });
    const seen: Array<[string, string | undefined]> = [];
    port.getModelVersion = async (name, version, _signal, workspace) => {
      seen.push([`${name}:${version}`, workspace?.workspace]);
      return workspace ? { name: version, properties: { jobName: "train-dev-3" } } : { name: version, properties: promotedFrom("3") };
    };
    port.readJobMetrics = async (job, _signal, workspace): Promise<Record<string, number>> => (job === "train-dev-3" && workspace?.workspace === dev.workspace ? { accuracy: 0.93 } : {});
    const result = await checkModelMetric(port, { model: { name: "churn", version: "7" }, metric: "accuracy", direction: "higherIsBetter", threshold: 0.9, source: "auto" }, signal);
    assert.equal(result.verdict, "pass", result.reasons.join("; "));
    assert.match(result.reasons[0], /is 0\.93 \(from job train-dev-3 of workspace 'mlw-dev' \(MLflow\)\)/);
    assert.deepEqual(seen, [["churn:7", undefined], ["churn:3", "mlw-dev"]]);
  });

  it("is inconclusive, saying so, when the source version is gone", async () => {
    const port = new FakeGatePort({ models: { "churn:7": promotedFrom("3") } });
    const result = await checkModelMetric(port, { model: { name: "churn", version: "7" }, metric: "accuracy", direction: "higherIsBetter", threshold: 0.9, source: "job" }, signal);
    assert.equal(result.verdict, "inconclusive");
    assert.match(result.reasons[0], /was promoted from churn:3 of workspace 'mlw-dev', which was not found/);
  });
});
