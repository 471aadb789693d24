// Server-task success criteria evaluated on recorded Azure responses (the REST specs' examples,
// test/fixtures/azure-specs): each function both ways, and the authoring guide's own examples.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExpressionError } from '../../../runner/expressions/evaluator';
import { selectJsonPath } from '../../../runner/server/jsonPath';
import { expandServerMacros } from '../../../runner/server/httpTemplate';
import { evaluateSuccessCriteria } from '../../../runner/server/successCriteria';

const specs = path.join(__dirname, '..', '..', 'fixtures', 'azure-specs');
function recorded(file: string): string {
  const example = JSON.parse(fs.readFileSync(path.join(specs, file), 'utf8')) as { responses: Record<string, { body: unknown }> };
  return JSON.stringify(example.responses['200'].body);
}

const endpoint = recorded('machinelearningservices/2022-10-01/examples/OnlineEndpoint/get.json');
const deployment = recorded('machinelearningservices/2022-10-01/examples/OnlineDeployment/ManagedOnlineDeployment/get.json');
const models = recorded('machinelearningservices/2022-10-01/examples/ModelVersion/list.json');
const metric = recorded('monitor/2018-01-01/examples/GetMetric.json');

/** Asserts the expression is true on the response and its counterpart false. */
function both(body: string, whenTrue: string, whenFalse: string): void {
  assert.equal(evaluateSuccessCriteria(whenTrue, body), true, whenTrue);
  assert.equal(evaluateSuccessCriteria(whenFalse, body), false, whenFalse);
}

describe('runner: server task success criteria on recorded responses', () => {
  it('eq and ne on an endpoint\'s provisioning state (case-insensitive like the server)', () => {
    both(endpoint, "eq(root['properties']['provisioningState'], 'creating')", "eq(root['properties']['provisioningState'], 'Succeeded')");
    both(endpoint, "ne(root['properties']['provisioningState'], 'Failed')", "ne(root.properties.provisioningState, 'Creating')");
  });

  it('gt, ge, lt, le on a deployment\'s probe settings', () => {
    both(deployment, "gt(root['properties']['readinessProbe']['failureThreshold'], 10)", "gt(root['properties']['readinessProbe']['failureThreshold'], 30)");
    both(deployment, "ge(root['properties']['readinessProbe']['failureThreshold'], 30)", "ge(root['properties']['readinessProbe']['failureThreshold'], 31)");
    both(deployment, "lt(root['properties']['requestSettings']['maxConcurrentRequestsPerInstance'], 2)", "lt(root['properties']['requestSettings']['maxConcurrentRequestsPerInstance'], 1)");
    both(deployment, "le(root['properties']['requestSettings']['maxConcurrentRequestsPerInstance'], 1)", "le(root['properties']['requestSettings']['maxConcurrentRequestsPerInstance'], 0)");
  });

  it('and, or, not', () => {
    both(endpoint, "and(eq(root.properties.authMode, 'AMLToken'), eq(root.properties.provisioningState, 'Creating'))", "and(eq(root.properties.authMode, 'AMLToken'), eq(root.properties.provisioningState, 'Succeeded'))");
    both(endpoint, "or(eq(root.properties.provisioningState, 'Succeeded'), eq(root.properties.provisioningState, 'Creating'))", "or(eq(root.properties.provisioningState, 'Succeeded'), eq(root.properties.provisioningState, 'Failed'))");
    both(endpoint, "not(eq(root.properties.provisioningState, 'Failed'))", "not(eq(root.properties.provisioningState, 'Creating'))");
  });

  it('in and notIn', () => {
    both(endpoint, "in(root.properties.provisioningState, 'Creating', 'Updating')", "in(root.properties.provisioningState, 'Succeeded', 'Failed')");
    both(endpoint, "notIn(root.properties.provisioningState, 'Failed', 'Canceled')", "notIn(root.properties.provisioningState, 'Creating')");
  });

  it('contains, startsWith, endsWith on strings of the response', () => {
    both(endpoint, "contains(root.properties.scoringUri, 'contoso')", "contains(root.properties.scoringUri, 'fabrikam')");
    both(endpoint, "startsWith(root.properties.scoringUri, 'https://')", "startsWith(root.properties.scoringUri, 'http://')");
    both(endpoint, "endsWith(root.properties.scoringUri, '/example')", "endsWith(root.properties.scoringUri, '/score')");
  });

  it('count over arrays and objects, and jsonpath with filters', () => {
    both(models, "eq(count(root['value']), 1)", "eq(count(root['value']), 0)");
    both(models, "eq(count(jsonpath('$.value[?(@.properties.modelType == \"CustomModel\")]')), 1)", "eq(count(jsonpath('$.value[?(@.properties.modelType == \"MLflowModel\")]')), 1)");
    both(models, "eq(count(jsonpath('$.value[?(@.properties.isAnonymous == false)]')), 1)", "eq(count(jsonpath('$.value[?(@.properties.isAnonymous == true)]')), 1)");
    // A model tag: `approved=true` is what the approval gate looks for; the example's tag is "string".
    both(models, "eq(jsonpath('$.value[0].properties.tags.string')[0], 'string')", "eq(jsonpath('$.value[0].properties.tags.approved')[0], 'true')");
    both(endpoint, "eq(count(root.properties.traffic), 1)", "gt(count(root.properties.traffic), 1)");
  });

  it('jsonpath over Azure Monitor metrics: recursive descent and numeric filters', () => {
    // Two one-minute points with requests; one of them averages over 200 (a latency threshold).
    both(metric, "eq(count(jsonpath('$.value[*].timeseries[*].data[?(@.count > 0)]')), 2)", "eq(count(jsonpath('$.value[*].timeseries[*].data[?(@.count > 0)]')), 0)");
    both(metric, "le(count(jsonpath('$.value[*].timeseries[*].data[?(@.average > 200)]')), 1)", "eq(count(jsonpath('$.value[*].timeseries[*].data[?(@.average > 200)]')), 0)");
    assert.equal(evaluateSuccessCriteria("gt(count(jsonpath('$..data[*]')), 0)", metric), true);
    assert.equal(evaluateSuccessCriteria("eq(jsonpath('$.value[0].name.value')[0], 'BlobCapacity')", metric), true);
    assert.equal(evaluateSuccessCriteria("eq(jsonpath('$.value[0].unit')[0], 'Seconds')", metric), false);
  });

  it("the authoring guide's examples", () => {
    assert.equal(evaluateSuccessCriteria("eq(root['status'], 'successful')", '{"id": 5, "name": "myObject", "status": "successful"}'), true);
    assert.equal(evaluateSuccessCriteria("ge(count(root['ActiveReleaseNames']), 3)", '{"ActiveReleaseNames": ["Release1", "Release2", "Release3"]}'), true);
    const items = '{"Items":[{"name":"item1","price":100},{"name":"item2","price":40},{"name":"item3","price":70}]}';
    assert.equal(evaluateSuccessCriteria("and(eq(count(jsonpath('Items[?(@.price<50)]')), 1), eq(count(jsonpath('Items[?(@.price>60)]')), 2))", items), true);
    assert.equal(evaluateSuccessCriteria("eq(count(jsonpath('Items[?(@.price>60 && @.price<80)]')), 1)", items), true);
    assert.equal(evaluateSuccessCriteria("eq(count(jsonpath('Items[?(@.price<50 || @.price>90)]')), 3)", items), false);
  });

  it('jsonpath selects like Json.NET: indexes, negative indexes, unions, wildcards', () => {
    const doc = { a: [{ b: 1 }, { b: 2 }, { b: 3 }], c: { d: 'x' } };
    assert.deepEqual(selectJsonPath(doc, '$.a[-1].b'), [3]);
    assert.deepEqual(selectJsonPath(doc, "$['a'][0,2].b"), [1, 3]);
    assert.deepEqual(selectJsonPath(doc, '$.c.*'), ['x']);
    assert.deepEqual(selectJsonPath(doc, '$..b'), [1, 2, 3]);
    assert.deepEqual(selectJsonPath(doc, '$.missing'), []);
  });

  it('a malformed criterion is an error that says what is wrong', () => {
    assert.throws(() => evaluateSuccessCriteria("eq(root['status'], 'x'", '{}'), ExpressionError);
    assert.throws(() => evaluateSuccessCriteria("eq(count(jsonpath('$.a[')), 0)", '{}'), /unclosed/);
  });
});

describe("runner: the extension's gate criteria on recorded responses", () => {
  const criterion = (folder: string, inputs: Record<string, string>) => {
    const task = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'tasks', folder, 'task.json'), 'utf8')) as { execution: { HttpRequest: { Execute: { Expression: string } } } };
    return expandServerMacros(task.execution.HttpRequest.Execute.Expression, inputs, () => undefined);
  };

  it('AzureMLMetricGate: a threshold above every value passes, one below a value fails', () => {
    const inputs = { aggregation: 'average', failWhen: '>' };
    both(metric, criterion('AzureMLMetricGateV1', { ...inputs, minRequests: '0', threshold: '300' }), criterion('AzureMLMetricGateV1', { ...inputs, minRequests: '0', threshold: '200' }));
  });

  it('AzureMLMetricGate: too few requests in an interval never pass, whatever the metric says', () => {
    // The recorded answer with the request count the task asks for beside the metric (metricnames=<metric>,
    // RequestsPerMinute&aggregation=<aggregation>,total): a second entry of value[] in the same shape, one
    // total per interval of the recorded timespan.
    const recordedBody = JSON.parse(metric) as { value: Array<{ timeseries: Array<{ data: Array<{ timeStamp: string }> }> }> };
    const withRequests = (totals: number[]) =>
      JSON.stringify({
        ...recordedBody,
        value: [
          ...recordedBody.value,
          { ...recordedBody.value[0], name: { value: 'RequestsPerMinute', localizedValue: 'Requests Per Minute' }, unit: 'Count', timeseries: [{ metadatavalues: [], data: recordedBody.value[0].timeseries[0].data.map((point, i) => ({ timeStamp: point.timeStamp, total: totals[i] })) }] },
        ],
      });
    const gate = (minRequests: string, threshold = '300') => criterion('AzureMLMetricGateV1', { aggregation: 'average', failWhen: '>', threshold, minRequests });
    both(withRequests([150, 120, 100, 400]), gate('100'), gate('101'));
    both(withRequests([150, 120, 0, 400]), gate('0'), gate('100'));
    // Enough requests do not rescue a broken threshold.
    assert.equal(evaluateSuccessCriteria(gate('100', '200'), withRequests([150, 120, 100, 400])), false);
    // No request count at all (an interval Azure Monitor left without a total) is not a pass either.
    const noTotals = JSON.parse(withRequests([1, 1, 1, 1])) as { value: Array<{ timeseries: Array<{ data: Array<Record<string, unknown>> }> }> };
    for (const point of noTotals.value[1].timeseries[0].data) delete point.total;
    assert.equal(evaluateSuccessCriteria(gate('1'), JSON.stringify(noTotals)), false);
    assert.equal(evaluateSuccessCriteria(gate('1'), metric), false, 'an answer without RequestsPerMinute');
  });

  it('AzureMLEndpointHealthGate: an endpoint still Creating fails, a deployment list with one not Succeeded fails', () => {
    assert.equal(evaluateSuccessCriteria(criterion('AzureMLEndpointHealthGateV1', { check: 'endpoint' }), endpoint), false);
    assert.equal(evaluateSuccessCriteria(criterion('AzureMLEndpointHealthGateV1', { check: 'endpoint' }), endpoint.replace('"Creating"', '"Succeeded"')), true);
    const list = (state: string) => JSON.stringify({ value: [{ ...JSON.parse(deployment), properties: { ...JSON.parse(deployment).properties, provisioningState: state } }] });
    assert.equal(evaluateSuccessCriteria(criterion('AzureMLEndpointHealthGateV1', { check: 'deployments' }), list('Creating')), false);
    assert.equal(evaluateSuccessCriteria(criterion('AzureMLEndpointHealthGateV1', { check: 'deployments' }), list('Succeeded')), true);
  });

  it('AzureMLModelApprovalGate: the tag as given passes, another value fails', () => {
    const version = JSON.stringify((JSON.parse(models) as { value: unknown[] }).value[0]);
    both(version, criterion('AzureMLModelApprovalGateV1', { source: 'tags', key: 'string', value: 'string' }), criterion('AzureMLModelApprovalGateV1', { source: 'tags', key: 'string', value: 'approved' }));
  });
});
