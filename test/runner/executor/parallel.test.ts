// Jobs and stages in parallel when their dependencies allow, bounded by the agent pool
// (--parallel); matrix and parallel strategies multiplying jobs; variable groups.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runYaml, tempDir } from '../helpers';

/** Each job appends 'start X' / 'end X' to a trace file around a short sleep. */
function traced(trace: string, name: string, extra = ''): string {
  return `
  - job: ${name}
${extra}    steps:
      - script: echo "start ${name}" >> ${trace}; sleep 0.4; echo "end ${name}" >> ${trace}
`;
}

function events(trace: string): string[] {
  return fs.readFileSync(trace, 'utf8').trim().split('\n');
}

describe('runner executor: parallel jobs', () => {
  it('runs independent jobs together and a dependent job after both, with --parallel 2', async () => {
    const trace = path.join(tempDir(), 'trace.txt');
    const r = await runYaml(`jobs:${traced(trace, 'A')}${traced(trace, 'B')}${traced(trace, 'C', '    dependsOn: [A, B]\n')}`, { parallel: 2 });
    assert.equal(r.result, 'Succeeded', r.console);
    const e = events(trace);
    assert.deepEqual(e.slice(0, 2).sort(), ['start A', 'start B'], e.join('\n'));
    assert.deepEqual(e.slice(2, 4).sort(), ['end A', 'end B']);
    assert.deepEqual(e.slice(4), ['start C', 'end C']);
  });

  it('runs one job at a time with the default single agent', async () => {
    const trace = path.join(tempDir(), 'trace.txt');
    const r = await runYaml(`jobs:${traced(trace, 'A')}${traced(trace, 'B')}`);
    assert.equal(r.result, 'Succeeded', r.console);
    assert.deepEqual(events(trace), ['start A', 'end A', 'start B', 'end B']);
  });

  it('runs stages without dependencies between them in parallel', async () => {
    const trace = path.join(tempDir(), 'trace.txt');
    const stage = (name: string) => `
  - stage: S${name}
    dependsOn: []
    jobs:${traced(trace, name).replace(/\n {2}/g, '\n      ')}`;
    const r = await runYaml(`stages:${stage('A')}${stage('B')}`, { parallel: 2 });
    assert.equal(r.result, 'Succeeded', r.console);
    assert.deepEqual(events(trace).slice(0, 2).sort(), ['start A', 'start B']);
  });

  it('multiplies a job by its matrix, bounded by maxParallel, with outputs as <leg>.<step>.<var>', async () => {
    const trace = path.join(tempDir(), 'trace.txt');
    const r = await runYaml(
      `
jobs:
  - job: Train
    strategy:
      maxParallel: 1
      matrix:
        small:
          size: S
        large:
          size: L
    steps:
      - script: |
          echo "start $(size) $(System.JobPositionInPhase)/$(System.TotalJobsInPhase)" >> ${trace}; sleep 0.3; echo "end $(size)" >> ${trace}
          echo "##vso[task.setvariable variable=model;isOutput=true]model-$(size)"
        name: fit
  - job: Pick
    dependsOn: Train
    variables:
      small: $[ dependencies.Train.outputs['small.fit.model'] ]
      large: $[ dependencies.Train.outputs['large.fit.model'] ]
    steps:
      - script: echo "picked $(small) $(large)"
`,
      { parallel: 4 },
    );
    assert.equal(r.result, 'Succeeded', r.console);
    assert.deepEqual(events(trace), ['start S 1/2', 'end S', 'start L 2/2', 'end L'], 'maxParallel: 1 runs the legs one after another');
    // With several agents every job's lines say which job printed them.
    assert.ok(r.lines.includes('[Pick] picked model-S model-L'), r.console);
    assert.ok(r.lines.some((l) => l.startsWith('[Train.small] ')), r.console);
    assert.deepEqual(
      r.report.stages[0].jobs[0].steps.map((s) => s.phase),
      ['small', 'large'],
    );
  });

  it('slices a job with parallel: N into Job1..JobN', async () => {
    const r = await runYaml(`
jobs:
  - job: Shard
    strategy:
      parallel: 3
    steps:
      - script: echo "slice $(System.JobPositionInPhase) of $(System.TotalJobsInPhase)"
`);
    assert.deepEqual(
      r.lines.filter((l) => l.startsWith('slice ')),
      ['slice 1 of 3', 'slice 2 of 3', 'slice 3 of 3'],
    );
    assert.deepEqual(r.report.stages[0].jobs[0].steps.map((s) => s.phase), ['Job1', 'Job2', 'Job3']);
  });
});

describe('runner executor: variable groups', () => {
  it('defines a group from a file, masks its secrets, and keeps secrets out of the environment', async () => {
    const file = path.join(tempDir(), 'ml-settings.yml');
    fs.writeFileSync(file, 'name: ml-settings\nvariables:\n  region: westeurope\n  apiKey:\n    value: k3y-Value-9\n    isSecret: true\n');
    const r = await runYaml(
      `
variables:
  - group: ml-settings
steps:
  - script: echo "region=$(region) key=$(apiKey) env=[$APIKEY]"
`,
      { variableGroups: { 'ml-settings': file } },
    );
    assert.equal(r.result, 'Succeeded', r.console);
    assert.ok(r.lines.includes('region=westeurope key=*** env=[]'), r.console);
    assert.ok(!r.reportText.includes('k3y-Value-9'));
  });
});
