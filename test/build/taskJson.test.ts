// Every task.json as the agent, the pipeline editor and the Marketplace read it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import { REPO_ROOT, SOURCE_TASKS_ROOT, listTaskFolders, readTaskJson } from '../../scripts/taskFolders';

// A copy of azure-pipelines-task-lib's schema (licence and source in test/fixtures/schemas).
const SCHEMA_FILE = path.resolve(REPO_ROOT, 'test', 'fixtures', 'schemas', 'tasks.schema.json');

interface TaskInput {
  name: string;
  type: string;
  required?: boolean;
  helpMarkDown?: string;
  groupName?: string;
}

interface TaskDocument {
  id: string;
  name: string;
  version: { Major: number };
  groups?: { name: string }[];
  inputs: TaskInput[];
  dataSourceBindings?: { target: string; endpointId: string }[];
  outputVariables?: { name: string; description?: string }[];
  execution: Record<string, { target: string }>;
}

const tasks = listTaskFolders(SOURCE_TASKS_ROOT);

describe('task.json', () => {
  // The schema's patterns are ECMAScript-without-u regexes (e.g. "connectedService\\:"), as in draft-04 days.
  let validate: ReturnType<Ajv['compile']>;
  before(() => {
    validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));
  });

  it('finds the task folders', () => {
    assert.ok(tasks.length > 0, `no tasks/<Name>V<N>/task.json in ${SOURCE_TASKS_ROOT}`);
  });

  it('has a validator that rejects what the schema forbids', () => {
    const task = readTaskJson(tasks[0].dir);
    assert.equal(validate({ ...task, id: 'not-a-guid' }), false);
    assert.equal(validate({ ...task, inputs: [{ name: 'x', type: 'connectedService AzureRM' }] }), false);
    assert.equal(validate({ ...task, unknownProperty: true }), false);
  });

  it('gives every task its own GUID', () => {
    const ids = tasks.map((task) => (readTaskJson(task.dir).id as string).toLowerCase());
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  });

  for (const folder of tasks) {
    describe(folder.folder, () => {
      const task = readTaskJson(folder.dir) as unknown as TaskDocument;
      const input = (name: string) => task.inputs.find((i) => i.name === name);

      it('validates against the task schema', () => {
        const valid = validate(task);
        assert.ok(valid, (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n'));
      });

      it('is named after its folder: <name>V<version.Major>', () => {
        assert.equal(`${task.name}V${task.version.Major}`, folder.folder);
      });

      it('runs the bundle on the Node20_1 and Node24 handlers', () => {
        assert.deepEqual(Object.keys(task.execution).sort(), ['Node20_1', 'Node24']);
        for (const handler of Object.values(task.execution)) assert.equal(handler.target, 'index.js');
      });

      it('explains every input (helpMarkDown)', () => {
        const unexplained = task.inputs.filter((i) => !i.helpMarkDown?.trim()).map((i) => i.name);
        assert.deepEqual(unexplained, []);
      });

      it('puts inputs only in declared groups, with an advanced group', () => {
        const groups = (task.groups ?? []).map((g) => g.name);
        assert.ok(groups.includes('advanced'), `groups are [${groups}]`);
        const misplaced = task.inputs.filter((i) => i.groupName && !groups.includes(i.groupName)).map((i) => `${i.name} → ${i.groupName}`);
        assert.deepEqual(misplaced, []);
      });

      it('takes the AzureRM service connection as the required input azureSubscription', () => {
        assert.equal(input('azureSubscription')?.type, 'connectedService:AzureRM');
        assert.equal(input('azureSubscription')?.required, true);
      });

      for (const target of ['resourceGroupName', 'workspaceName']) {
        it(`offers ${target} as a pick list bound to ARM through the connection`, () => {
          assert.equal(input(target)?.type, 'pickList');
          const binding = task.dataSourceBindings?.find((b) => b.target === target);
          assert.equal(binding?.endpointId, '$(azureSubscription)');
        });
      }

      it('declares its output variables, each described', () => {
        const outputs = task.outputVariables ?? [];
        assert.ok(outputs.length > 0, 'no outputVariables');
        assert.deepEqual(outputs.filter((o) => !o.description?.trim()).map((o) => o.name), []);
      });
    });
  }
});
