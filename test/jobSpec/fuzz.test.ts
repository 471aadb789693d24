// Fuzzing (issue 13 item 9): a generated corpus of malformed job files, compute spec files and model inputs,
// each a mutation of a valid sample (deterministic seed), through the translators and input readers in-process.
// Every case must end in a valid translation or a UserError: no other exception, and no case slow enough to
// look like a hang.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../../emulator/src/jobs/sweepRun';
import { loadComputeSpec } from '../../tasks/common/compute/specFile';
import { translateJobFile } from '../../tasks/common/jobSpec/translate';
import { readModelInputs } from '../../tasks/common/model/inputs';
import { isUserError } from '../../tasks/common/platform/userError';
import { fakeHost } from '../common/fakes';
import { scope, writeTree } from './helpers';

const REPO = path.resolve(__dirname, '..', '..');
const SEED = 0x5eed13;
const CASES_PER_KIND = { job: 300, compute: 120, model: 120 };
const CASE_LIMIT_MS = 2_000;

const JOB_SEEDS = [
  fs.readFileSync(path.join(REPO, 'samples', 'training', 'job.yml'), 'utf8'),
  'type: sweep\ntrial:\n  command: python t.py --lr ${{search_space.lr}}\n  code: src\n  environment: azureml:e:1\ncompute: azureml:cpu\nsampling_algorithm: random\nsearch_space:\n  lr:\n    type: uniform\n    min_value: 0.01\n    max_value: 0.1\nobjective:\n  goal: maximize\n  primary_metric: acc\nlimits:\n  max_total_trials: 4\n',
  'type: pipeline\njobs:\n  a:\n    type: command\n    command: echo ${{outputs.o}}\n    environment: azureml:e:1\n    outputs:\n      o:\n        type: uri_folder\n  b:\n    type: command\n    command: echo ${{inputs.i}}\n    environment: azureml:e:1\n    inputs:\n      i: ${{parent.jobs.a.outputs.o}}\n',
];
const COMPUTE_SEEDS = [
  'name: gpu-cluster\ntype: amlcompute\nsize: Standard_NC6s_v3\nmin_instances: 0\nmax_instances: 4\nidle_time_before_scale_down: 180\ntier: low_priority\ntags:\n  team: vision\n',
  'name: ci-1\ntype: computeinstance\nsize: Standard_DS3_v2\n',
];
const MODEL_SEEDS: Array<Record<string, string>> = [
  { modelSource: 'jobOutput', jobName: 'train-1', outputName: 'model', modelType: 'mlflow_model', version: '3', tags: 'a=1\nb=2', properties: 'p=1' },
  { modelSource: 'uri', modelUri: 'azureml://datastores/workspaceblobstore/paths/models/m/', modelType: 'custom_model', description: 'd' },
  { modelSource: 'localPath', modelPath: 'model', modelType: 'auto' },
];

const ODD_VALUES = ['[]', '{}', '[1, [2, {3: 4}]]', '123', '-1', '1e309', '.nan', 'true', 'null', '~', "''", '"\\u0000"', 'azureml:missing:99', 'azureml:x@latest', '${{inputs.nope}}', '${{parent.jobs.zz.outputs.o}}', '../../../../etc', '*undefined_alias', '&anchor 1', '!!binary aGk=', '!custom x', 'x'.repeat(100_000), '9'.repeat(400), '"\\ud800"', 'é\u200b\u202e'];

type Mutation = (text: string, random: () => number) => string | Buffer;
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];
const lineIndex = (lines: string[], random: () => number) => Math.floor(random() * lines.length);

const MUTATIONS: Record<string, Mutation> = {
  truncate: (text, random) => text.slice(0, Math.floor(random() * text.length)),
  wrongValue: (text, random) => {
    const lines = text.split('\n');
    const i = lineIndex(lines, random);
    const colon = lines[i].indexOf(':');
    if (colon > 0) lines[i] = `${lines[i].slice(0, colon + 1)} ${pick(ODD_VALUES, random)}`;
    return lines.join('\n');
  },
  unknownKey: (text, random) => {
    const lines = text.split('\n');
    const i = lineIndex(lines, random);
    const indent = /^\s*/.exec(lines[i])?.[0] ?? '';
    lines.splice(i, 0, `${indent}${pick(['comptue', 'foo', 'type', '$schema', 'inputs', '"quoted key"', '? complex', '<<'], random)}: ${pick(ODD_VALUES, random)}`);
    return lines.join('\n');
  },
  duplicateLine: (text, random) => {
    const lines = text.split('\n');
    const i = lineIndex(lines, random);
    lines.splice(i, 0, lines[i]);
    return lines.join('\n');
  },
  dropLine: (text, random) => {
    const lines = text.split('\n');
    lines.splice(lineIndex(lines, random), 1);
    return lines.join('\n');
  },
  tabs: (text, random) => text.replace(/^ {2}/gm, () => (random() < 0.5 ? '\t' : '  ')),
  bom: (text) => `\uFEFF${text}`,
  utf16: (text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
  latin1: (text) => Buffer.from(text.replace(/e/g, 'é'), 'latin1'),
  binaryNoise: (text, random) => {
    const bytes = Buffer.from(text);
    for (let n = 0; n < 5; n++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    return bytes;
  },
  huge: (text, random) => `${text}\n${pick(['description', 'tags', 'environment_variables'], random)}:\n${Array.from({ length: 2000 }, (_, i) => `  k${i}: ${'v'.repeat(50)}`).join('\n')}\n`,
  aliasBomb: (text) => `${text}\nproperties:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n`,
  deepNesting: (text) => `${text}\nproperties: ${'['.repeat(500)}${']'.repeat(500)}\n`,
  flowStyle: (text, random) => text.replace(/\n/g, () => (random() < 0.05 ? ' { ' : '\n')),
  emptyDocument: () => pick(['', '---\n', '...\n', '# only a comment\n', 'null\n', '[]\n', '"just a string"\n', '---\na: 1\n---\nb: 2\n'], Math.random),
};

interface Outcome {
  name: string;
  error?: unknown;
  ms: number;
}

function runCase(name: string, body: () => unknown): Outcome {
  const started = process.hrtime.bigint();
  let error: unknown;
  try {
    body();
  } catch (caught) {
    error = caught;
  }
  return { name, error, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** The cases that broke the rule: an exception other than a UserError, or a case over the time limit. */
function offenders(outcomes: Outcome[]): string[] {
  return outcomes
    .filter((o) => (o.error !== undefined && !isUserError(o.error)) || o.ms > CASE_LIMIT_MS)
    .map((o) => `${o.name}: ${o.ms > CASE_LIMIT_MS ? `${o.ms.toFixed(0)} ms` : `${(o.error as Error)?.name}: ${(o.error as Error)?.message?.slice(0, 200)}`}`);
}

describe('fuzz: malformed job, compute and model inputs end in a valid translation or a user error', function () {
  this.timeout(300_000);
  const random = seededRandom(SEED);
  const mutationNames = Object.keys(MUTATIONS);

  it(`${CASES_PER_KIND.job} mutated job files`, () => {
    const dir = writeTree({ 'src/t.py': 'print(1)\n', 'src/train.py': 'print(1)\n', 'data/churn.csv': 'a\n1\n' });
    const outcomes: Outcome[] = [];
    for (let n = 0; n < CASES_PER_KIND.job; n++) {
      const mutation = mutationNames[n % mutationNames.length];
      const content = MUTATIONS[mutation](pick(JOB_SEEDS, random), random);
      const file = path.join(dir, `job-${n}.yml`);
      fs.writeFileSync(file, content);
      const overrides = random() < 0.2 ? pick(['inputs.learning_rate=0.1', 'foo.bar=1', 'x', '=1', 'inputs..a=1', 'resources.instance_count=two'], random) : undefined;
      outcomes.push(runCase(`job #${n} (${mutation})`, () => translateJobFile(file, { scope, defaultExperimentName: 'exp', overrides })));
    }
    assert.deepEqual(offenders(outcomes), []);
    assert.ok(outcomes.some((o) => o.error === undefined) && outcomes.some((o) => o.error !== undefined), 'the corpus mixes valid and invalid cases');
  });

  it(`${CASES_PER_KIND.compute} mutated compute spec files`, () => {
    const dir = writeTree({});
    const outcomes: Outcome[] = [];
    for (let n = 0; n < CASES_PER_KIND.compute; n++) {
      const mutation = mutationNames[n % mutationNames.length];
      const file = path.join(dir, `compute-${n}.yml`);
      fs.writeFileSync(file, MUTATIONS[mutation](pick(COMPUTE_SEEDS, random), random));
      outcomes.push(runCase(`compute #${n} (${mutation})`, () => loadComputeSpec(file, scope)));
    }
    assert.deepEqual(offenders(outcomes), []);
  });

  it(`${CASES_PER_KIND.model} mutated model task inputs`, () => {
    const outcomes: Outcome[] = [];
    for (let n = 0; n < CASES_PER_KIND.model; n++) {
      const inputs: Record<string, string> = { azureSubscription: 'conn', resourceGroupName: 'rg', workspaceName: 'ws', modelName: 'churn-model', ...pick(MODEL_SEEDS, random) };
      const keys = Object.keys(inputs);
      const key = pick(keys, random);
      const value = random() < 0.5 ? pick(ODD_VALUES, random) : String(MUTATIONS[pick(['truncate', 'tabs', 'bom', 'flowStyle'], random)](inputs[key], random));
      inputs[key] = value;
      if (random() < 0.3) inputs[pick(keys, random)] = pick(['', ' ', '\n', 'a=1\n=2', '{"a": [1]}', '{', 'x'.repeat(10_000)], random);
      outcomes.push(runCase(`model #${n} (${key}=${JSON.stringify(value).slice(0, 40)})`, () => readModelInputs(fakeHost({ inputs }))));
    }
    assert.deepEqual(offenders(outcomes), []);
  });
});
