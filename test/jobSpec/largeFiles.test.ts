// Large and hostile YAML: linear duplicate-key checking, a size cap, and alias bombs refused. Timing lives in
// bench/yamlParse.ts; these tests count work instead.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sinon from 'sinon';
import { JobSpecError, MAX_YAML_BYTES, loadYamlFile, parseYaml } from '../../tasks/common/jobSpec/yamlSource';
import { translateYaml, writeTree } from './helpers';

// The `yaml` package's duplicate-key check compares a new key with every earlier key of its mapping, through
// this module (a package internal, loaded by path: its exports map hides it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mapIncludesModule = require(path.join(path.dirname(require.resolve('yaml')), 'compose', 'util-map-includes.js')) as {
  mapIncludes: (ctx: { options: { uniqueKeys?: unknown } }, items: unknown[], search: unknown) => boolean;
};

function jobWithVariables(count: number): string {
  const lines = ['command: echo hi', 'environment: azureml:e:1', 'environment_variables:'];
  for (let i = 0; i < count; i++) lines.push(`  VARIABLE_NUMBER_${i}: "value of the variable number ${i}"`);
  return lines.join('\n') + '\n';
}

describe('jobSpec: large and hostile YAML', () => {
  afterEach(() => sinon.restore());

  it('checks duplicate keys in linear work: a 5000-key mapping costs no pairwise key comparisons', () => {
    let comparisons = 0;
    const original = mapIncludesModule.mapIncludes;
    sinon.replace(mapIncludesModule, 'mapIncludes', (ctx, items, search) => {
      if (ctx.options.uniqueKeys !== false) comparisons += items.length;
      return original(ctx, items, search);
    });
    parseYaml(jobWithVariables(5000), 'job.yml');
    assert.ok(comparisons < 10 * 5000, `${comparisons} key comparisons for 5000 keys`);
  });

  it('still refuses a repeated key, at the repeat', () => {
    assert.throws(() => parseYaml('command: echo\nenvironment: azureml:e:1\ncommand: again\n', 'job.yml'), (err: unknown) => err instanceof JobSpecError && err.message === "job.yml:3:1: invalid YAML: Map keys must be unique ('command' is repeated)");
  });

  it('translates a 2 MB job file', function () {
    const text = jobWithVariables(35_000);
    assert.ok(text.length > 2 * 1024 * 1024);
    const { body } = translateYaml(text);
    assert.equal(Object.keys(body.properties.environmentVariables as object).length, 35_000);
  });

  it(`refuses a file over the documented cap (${MAX_YAML_BYTES / 1024 / 1024} MB) before reading it, saying its size`, () => {
    const dir = writeTree({});
    const file = path.join(dir, 'job.yml');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, MAX_YAML_BYTES + 1);
    assert.throws(() => loadYamlFile(file), (err: unknown) => err instanceof JobSpecError && /the file is 4\.0 MB; YAML files over 4\.0 MB are refused/.test(err.message));
    assert.throws(() => loadYamlFile(file, 'job.yml:3:7'), (err: unknown) => err instanceof JobSpecError && err.message.startsWith(`job.yml:3:7: ${file} is 4.0 MB`));
  });

  it('refuses aliases that expand exponentially ("billion laughs") instead of expanding them', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i), name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const yaml = `command: echo\nenvironment: azureml:e:1\nproperties:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    assert.throws(() => parseYaml(yaml, 'job.yml'), (err: unknown) => err instanceof JobSpecError && /^job\.yml:5:\d+: invalid YAML: its aliases \(\*name\) expand to more than \d+ nodes; refused rather than expanded$/.test(err.message));
  });

  it('expands ordinary aliases inside pass-through mappings (resources.properties)', () => {
    const { body } = translateYaml('command: echo\nenvironment: azureml:e:1\nresources:\n  properties:\n    first: &s {x: 1}\n    copy: *s\n');
    assert.deepEqual((body.properties.resources as { properties: unknown }).properties, { first: { x: 1 }, copy: { x: 1 } });
  });

  it('says a job file that is a folder is a folder', () => {
    const dir = writeTree({ 'job.yml/inner.txt': 'x' });
    assert.throws(() => loadYamlFile(path.join(dir, 'job.yml')), (err: unknown) => err instanceof JobSpecError && /job\.yml: is a folder, not a YAML file$/.test(err.message));
  });
});
