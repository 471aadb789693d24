// Deployment jobs: lifecycle hooks in the server's order for each strategy, their variables, the
// output addressing the documentation gives for each strategy, and the deployment history.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runYaml, tempDir } from '../helpers';

/** The lines a pipeline printed with `echo "HOOK ..."`, without the prefix (nor the job's, with several agents). */
function hooks(lines: string[]): string[] {
  return lines.map((l) => l.replace(/^\[[^\]]+\] /, '')).filter((l) => l.startsWith('HOOK ')).map((l) => l.slice(5));
}

function environmentsFile(text: string): string {
  const file = path.join(tempDir(), 'environments.yml');
  fs.writeFileSync(file, text);
  return file;
}

describe('runner executor: deployment jobs', () => {
  it('runs runOnce hooks in order with their variables, and addresses outputs as <job>.<step>.<var>', async () => {
    const r = await runYaml(`
stages:
  - stage: Deploy
    jobs:
      - deployment: Web
        environment: dev
        strategy:
          runOnce:
            preDeploy:
              steps:
                - script: echo "HOOK preDeploy $(Strategy.Name) $(Strategy.Action) $(Environment.Name)"
            deploy:
              steps:
                - script: echo "##vso[task.setvariable variable=url;isOutput=true]https://dev.example"
                  name: publish
                - script: echo "HOOK deploy sees $(publish.url)"
            routeTraffic:
              steps:
                - script: echo "HOOK routeTraffic $(Strategy.Name) $(Strategy.Action) $(Environment.Name)"
            postRouteTraffic:
              steps:
                - script: echo "HOOK postRouteTraffic $(Strategy.Name) $(Strategy.Action) $(Environment.Name)"
            on:
              failure:
                steps:
                  - script: echo "HOOK on.failure"
              success:
                steps:
                  - script: echo "HOOK on.success $(Strategy.Action)"
      - job: Smoke
        dependsOn: Web
        variables:
          url: $[ dependencies.Web.outputs['Web.publish.url'] ]
        steps:
          - script: echo "HOOK smoke $(url)"
  - stage: After
    condition: eq(dependencies.Deploy.outputs['Web.Web.publish.url'], 'https://dev.example')
    jobs:
      - job: Report
        variables:
          url: $[ stageDependencies.Deploy.Web.outputs['Web.publish.url'] ]
        steps:
          - script: echo "HOOK next stage $(url)"
`);
    assert.equal(r.result, 'Succeeded', r.console);
    assert.deepEqual(hooks(r.lines), [
      'preDeploy runOnce deploy dev',
      'deploy sees https://dev.example',
      'routeTraffic runOnce deploy dev',
      'postRouteTraffic runOnce deploy dev',
      'on.success promote',
      'smoke https://dev.example',
      'next stage https://dev.example',
    ]);
    assert.deepEqual(r.report.stages[0].jobs[0].outputs, { 'Web.publish.url': 'https://dev.example' });
    const history = r.report.deployments.dev;
    assert.equal(history.length, 1);
    assert.deepEqual([history[0].stage, history[0].job, history[0].strategy, history[0].result], ['Deploy', 'Web', 'runOnce', 'Succeeded']);
    assert.ok(r.summary.includes('  Deployment to dev: Succeeded — Deploy / Web, runOnce'), r.summary.join('\n'));
  });

  it('after a failed hook skips the rest, runs on.failure with strategy.action reject, and fails the job', async () => {
    const r = await runYaml(`
jobs:
  - deployment: Web
    environment: prod.blue
    strategy:
      runOnce:
        deploy:
          steps:
            - script: echo "##vso[task.setvariable variable=tried;isOutput=true]yes"
              name: mark
            - script: exit 4
        routeTraffic:
          steps:
            - script: echo "HOOK routeTraffic"
        on:
          failure:
            steps:
              - script: echo "HOOK on.failure $(Strategy.Action) $(Environment.ResourceName)"
          success:
            steps:
              - script: echo "HOOK on.success"
`);
    assert.equal(r.result, 'Failed', r.console);
    assert.deepEqual(hooks(r.lines), ['on.failure reject blue']);
    // With a resource, runOnce outputs are addressed '<hook>_<resource>.<step>.<var>'.
    assert.equal(r.report.stages[0].jobs[0].outputs['deploy_blue.mark.tried'], 'yes');
    assert.equal(r.report.deployments.prod[0].result, 'Failed');
    assert.equal(r.report.deployments.prod[0].resource, 'blue');
  });

  it('runs canary: preDeploy once, then deploy/routeTraffic/postRouteTraffic per increment, outputs as <hook>_<increment>', async () => {
    const r = await runYaml(`
jobs:
  - deployment: Model
    environment: staging
    strategy:
      canary:
        increments: [10, 20]
        preDeploy:
          steps:
            - script: echo "HOOK preDeploy $(Strategy.Name)"
        deploy:
          steps:
            - script: |
                echo "HOOK deploy $(Strategy.Increment)"
                echo "##vso[task.setvariable variable=share;isOutput=true]$(Strategy.Increment)"
              name: traffic
        routeTraffic:
          steps:
            - script: echo "HOOK routeTraffic $(Strategy.Increment)"
        postRouteTraffic:
          steps:
            - script: echo "HOOK postRouteTraffic $(Strategy.Increment)"
        on:
          success:
            steps:
              - script: echo "HOOK on.success $(Strategy.Action)"
  - job: Check
    dependsOn: Model
    variables:
      first: $[ dependencies.Model.outputs['deploy_10.traffic.share'] ]
      second: $[ dependencies.Model.outputs['Deploy_20.traffic.share'] ]
    steps:
      - script: echo "HOOK check $(first) $(second)"
`);
    assert.equal(r.result, 'Succeeded', r.console);
    assert.deepEqual(hooks(r.lines), [
      'preDeploy canary',
      'deploy 10',
      'routeTraffic 10',
      'postRouteTraffic 10',
      'deploy 20',
      'routeTraffic 20',
      'postRouteTraffic 20',
      'on.success promote',
      'check 10 20',
    ]);
  });

  it('stops a canary at the failing increment', async () => {
    const r = await runYaml(`
jobs:
  - deployment: Model
    environment: staging
    strategy:
      canary:
        increments: [10, 50]
        deploy:
          steps:
            - script: echo "HOOK deploy $(Strategy.Increment)"
        postRouteTraffic:
          steps:
            - script: exit 1
        on:
          failure:
            steps:
              - script: echo "HOOK on.failure $(Strategy.Increment)"
`);
    assert.equal(r.result, 'Failed');
    assert.deepEqual(hooks(r.lines), ['deploy 10', 'on.failure 10']);
  });

  it('runs rolling over the environment resources, maxParallel at a time, outputs as <hook>_<resource>', async () => {
    const r = await runYaml(
      `
jobs:
  - deployment: Fleet
    environment: edge
    strategy:
      rolling:
        maxParallel: 2
        preDeploy:
          steps:
            - script: echo "HOOK preDeploy $(Environment.ResourceName)"
        routeTraffic:
          steps:
            - script: echo "HOOK routeTraffic $(Environment.ResourceName)"
        postRouteTraffic:
          steps:
            - script: echo "HOOK postRouteTraffic $(Environment.ResourceName) $(Strategy.Name)"
        deploy:
          steps:
            - script: |
                echo "HOOK deploy $(Environment.ResourceName)"
                echo "##vso[task.setvariable variable=node;isOutput=true]$(Environment.ResourceName)"
              name: mark
        on:
          success:
            steps:
              - script: echo "HOOK on.success"
`,
      { environmentsFile: environmentsFile('edge:\n  resources: [a, b, c]\n'), parallel: 2 },
    );
    assert.equal(r.result, 'Succeeded', r.console);
    const order = hooks(r.lines);
    const onTarget = (t: string) => order.filter((h) => h.split(' ')[1] === t);
    for (const t of ['a', 'b', 'c']) assert.deepEqual(onTarget(t), [`preDeploy ${t}`, `deploy ${t}`, `routeTraffic ${t}`, `postRouteTraffic ${t} rolling`]);
    // a and b form the first batch of two; c starts after both finished; on.success comes last.
    const firstC = order.indexOf('preDeploy c');
    assert.ok(order.slice(0, firstC).length === 8, order.join('\n'));
    assert.deepEqual(order.slice(firstC), ['preDeploy c', 'deploy c', 'routeTraffic c', 'postRouteTraffic c rolling', 'on.success']);
    assert.equal(r.report.stages[0].jobs[0].outputs['deploy_c.mark.node'], 'c');
    assert.equal(r.report.deployments.edge[0].resource, 'a, b, c');
  });
});
