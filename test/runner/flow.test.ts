// Output variables across steps, jobs and stages; conditions; continueOnError; dependency order.
import * as assert from 'node:assert/strict';
import { runYaml, steps } from './helpers';

describe('runner: output variables', () => {
  it('passes outputs between steps, jobs and stages', async () => {
    const r = await runYaml(`
stages:
  - stage: Build
    jobs:
      - job: Produce
        steps:
          - script: echo "##vso[task.setvariable variable=modelName;isOutput=true]churn-model"
            name: setModel
          - script: echo "same job sees $(setModel.modelName)"
      - job: Consume
        dependsOn: Produce
        variables:
          fromJob: $[ dependencies.Produce.outputs['setModel.modelName'] ]
        steps:
          - script: echo "other job sees $(fromJob)"
  - stage: Deploy
    condition: eq(dependencies.Build.outputs['Produce.setModel.modelName'], 'churn-model')
    jobs:
      - job: Release
        variables:
          fromStage: $[ stageDependencies.Build.Produce.outputs['setModel.modelName'] ]
        steps:
          - script: echo "other stage sees $(fromStage)"
`);
    assert.equal(r.result, 'Succeeded', r.console);
    assert.ok(r.console.includes('same job sees churn-model'));
    assert.ok(r.console.includes('other job sees churn-model'));
    assert.ok(r.console.includes('other stage sees churn-model'));
    assert.deepEqual(r.report.stages[0].jobs[0].outputs, { 'setModel.modelName': 'churn-model' });
    assert.equal(steps(r)['Produce.setModel'].outputVariables.modelName, 'churn-model');
    const produce = r.summary.indexOf('  Build / Produce: Succeeded');
    assert.match(r.summary[produce + 1], /^\s+Succeeded\s+CmdLine \[script\]/);
    assert.equal(r.summary[produce + 2].trim(), '→ modelName=churn-model', "the closing summary shows the step's outputs");
  });

  it("treats variables a task declares in task.json outputVariables as the step's outputs", async () => {
    const r = await runYaml(
      `
jobs:
  - job: Check
    steps:
      - task: Workspace@1
        name: ws
      - script: echo 'id=$(ws.workspaceId) plain=[$(workspaceId)] other=$(helper)'
  - job: Next
    dependsOn: Check
    variables:
      id: $[ dependencies.Check.outputs['ws.workspaceId'] ]
    steps:
      - script: echo "next job id=$(id)"
`,
      {
        tasks: [
          {
            name: 'Workspace',
            outputVariables: ['workspaceId'],
            script: "console.log('##vso[task.setvariable variable=workspaceId]/subscriptions/s/ws'); console.log('##vso[task.setvariable variable=helper]h');",
          },
        ],
      },
    );
    assert.ok(r.lines.includes('id=/subscriptions/s/ws plain=[$(workspaceId)] other=h'), r.console);
    assert.ok(r.lines.includes('next job id=/subscriptions/s/ws'), r.console);
  });

  it('makes a plain setvariable visible to later steps as $(name) and as an environment variable', async () => {
    const r = await runYaml(`
steps:
  - script: echo "##vso[task.setvariable variable=run.tag]v7"
  - script: echo "macro=$(run.tag) env=$RUN_TAG"
`);
    assert.ok(r.console.includes('macro=v7 env=v7'), r.console);
  });

  it('runs stages in dependsOn order and jobs after the jobs they depend on', async () => {
    const r = await runYaml(`
stages:
  - stage: Second
    dependsOn: First
    jobs:
      - job: B
        steps:
          - script: echo stage-second
  - stage: First
    dependsOn: []
    jobs:
      - job: Late
        dependsOn: Early
        steps:
          - script: echo job-late
      - job: Early
        steps:
          - script: echo job-early
`);
    const order = ['job-early', 'job-late', 'stage-second'].map((m) => r.lines.indexOf(m));
    assert.ok(order.every((i) => i >= 0), r.console);
    assert.deepEqual([...order].sort((a, b) => a - b), order);
  });
});

describe('runner: conditions and continueOnError', () => {
  it('skips succeeded() steps after a failure and runs failed(), always() and variable conditions', async () => {
    const r = await runYaml(`
variables:
  deployTarget: Staging
steps:
  - script: exit 1
    name: breaks
  - script: echo never
    name: normal
  - script: echo on-failure
    name: onFailure
    condition: failed()
  - script: echo on-always
    name: onAlways
    condition: always()
  - script: echo staging-only
    name: staging
    condition: and(always(), eq(variables['deployTarget'], 'staging'), in(variables.deployTarget, 'Dev', 'Staging'))
  - script: echo prod-only
    name: prod
    condition: and(always(), startsWith(variables.deployTarget, 'Prod'))
`);
    const s = steps(r);
    assert.equal(s['Job.breaks'].result, 'Failed');
    assert.equal(s['Job.normal'].result, 'Skipped');
    assert.equal(s['Job.onFailure'].result, 'Succeeded');
    assert.equal(s['Job.onAlways'].result, 'Succeeded');
    assert.equal(s['Job.staging'].result, 'Succeeded');
    assert.equal(s['Job.prod'].result, 'Skipped');
    assert.equal(r.result, 'Failed');
    assert.ok(r.console.includes("##[error]Bash exited with code '1'."));
  });

  it('turns a failure into SucceededWithIssues with continueOnError and keeps going', async () => {
    const r = await runYaml(`
steps:
  - script: exit 4
    name: flaky
    continueOnError: true
  - script: echo still-running
    name: next
`);
    const s = steps(r);
    assert.equal(s['Job.flaky'].result, 'SucceededWithIssues');
    assert.equal(s['Job.next'].result, 'Succeeded');
    assert.equal(r.report.stages[0].jobs[0].result, 'SucceededWithIssues');
    assert.equal(r.result, 'SucceededWithIssues');
  });

  it('gates jobs and stages on their dependencies results', async () => {
    const r = await runYaml(`
stages:
  - stage: A
    jobs:
      - job: Fails
        steps:
          - script: exit 2
      - job: Cleanup
        dependsOn: Fails
        condition: eq(dependencies.Fails.result, 'Failed')
        steps:
          - script: echo cleanup-ran
      - job: Normal
        dependsOn: Fails
        steps:
          - script: echo normal-ran
  - stage: B
    jobs:
      - job: Skipped
        steps:
          - script: echo b-ran
  - stage: C
    dependsOn: A
    condition: failed()
    jobs:
      - job: Report
        steps:
          - script: echo c-ran
`);
    assert.ok(r.console.includes('cleanup-ran'));
    assert.ok(!r.lines.includes('normal-ran'));
    assert.ok(!r.lines.includes('b-ran'));
    assert.ok(r.lines.includes('c-ran'));
    assert.equal(r.report.stages[1].result, 'Skipped');
    assert.equal(r.report.stages[0].jobs[2].result, 'Skipped');
  });

  it('does not run disabled steps, and expands parameters and template variables at compile time', async () => {
    const r = await runYaml(
      `
parameters:
  - name: environment
    type: string
    default: dev
    values: [dev, prod]
  - name: runExtra
    type: boolean
    default: false
variables:
  region: westeurope
steps:
  - script: echo "env=\${{ parameters.environment }} region=\${{ variables.region }}"
  - script: echo extra-ran
    enabled: \${{ parameters.runExtra }}
`,
      { parameters: { environment: 'prod' } },
    );
    assert.ok(r.lines.includes('env=prod region=westeurope'), r.console);
    assert.ok(!r.lines.includes('extra-ran'));
  });

  it('records the summary a step uploads and its issues', async () => {
    const r = await runYaml(`
steps:
  - script: |
      printf '# Training\\nAUC 0.91\\n' > "$AGENT_TEMPDIRECTORY/summary.md"
      echo "##vso[task.uploadsummary]$AGENT_TEMPDIRECTORY/summary.md"
      echo "##vso[task.logissue type=warning]quota is low"
      echo "##vso[task.complete result=SucceededWithIssues;]done"
    name: summarize
`);
    const s = steps(r)['Job.summarize'];
    assert.equal(s.result, 'SucceededWithIssues');
    assert.deepEqual(s.summaries, [{ name: 'summary.md', text: '# Training\nAUC 0.91\n' }]);
    assert.deepEqual(s.issues, [{ type: 'warning', message: 'quota is low' }]);
    assert.ok(r.console.includes('##[warning]quota is low'));
  });

  it('retries a failing step retryCountOnTaskFailure times', async () => {
    const r = await runYaml(`
steps:
  - script: |
      n=$(cat "$AGENT_TEMPDIRECTORY/attempts" 2>/dev/null || echo 0)
      echo $((n + 1)) > "$AGENT_TEMPDIRECTORY/attempts"
      echo "attempt $((n + 1))"
      test $n -ge 1
    name: flaky
    retryCountOnTaskFailure: 2
`);
    const s = steps(r)['Job.flaky'];
    assert.equal(s.result, 'Succeeded', r.console);
    assert.equal(s.attempts, 2);
    assert.ok(r.lines.includes('attempt 1') && r.lines.includes('attempt 2'));
  });
});

describe('runner: agent commands and build facts', () => {
  it('applies task.prependpath and build.updatebuildnumber to later steps, and formats the run name', async () => {
    const r = await runYaml(`
name: ml-$(Date:yyyy)$(Rev:.r)
steps:
  - script: |
      mkdir -p "$AGENT_TEMPDIRECTORY/bin"
      printf '#!/bin/sh\\necho custom tool ran\\n' > "$AGENT_TEMPDIRECTORY/bin/mltool"
      chmod +x "$AGENT_TEMPDIRECTORY/bin/mltool"
      echo "##vso[task.prependpath]$AGENT_TEMPDIRECTORY/bin"
      echo "first build number $(Build.BuildNumber)"
      echo "##vso[build.updatebuildnumber]model-v7"
  - script: |
      mltool
      echo "build number now $(Build.BuildNumber) / $BUILD_BUILDNUMBER"
`);
    assert.equal(r.result, 'Succeeded', r.console);
    assert.ok(r.lines.includes(`first build number ml-${new Date().getFullYear()}.1`), r.console);
    assert.ok(r.lines.includes('custom tool ran'));
    assert.ok(r.lines.includes('build number now model-v7 / model-v7'));
  });
});
