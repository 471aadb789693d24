// Server tasks' task.json (execution.HttpRequest), which tasks.schema.json does not cover, checked
// against what the Azure DevOps server accepts and runs (docs/authoring/servertaskauthoring.md of
// microsoft/azure-pipelines-tasks): runsOn Server/ServerGate only, one HttpRequest execution with the
// documented Execute/Cancel/Events keys, macros that name the task's inputs or endpoint values,
// EndpointId from an AzureRM connection input, JSON Headers, and a success criterion that parses.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExpression } from '../../runner/expressions/evaluator';
import { SOURCE_TASKS_ROOT, isServerTask, listTaskFolders, readTaskJson } from '../../scripts/taskFolders';

interface ServerTaskDocument {
  id: string;
  name: string;
  friendlyName: string;
  description: string;
  version: { Major: number; Minor: number; Patch: number };
  runsOn: string[];
  instanceNameFormat: string;
  inputs: Array<{ name: string; type: string; required?: boolean; helpMarkDown?: string; options?: Record<string, string>; defaultValue?: string }>;
  execution: Record<string, { Execute: Record<string, string>; Cancel?: Record<string, string>; Events?: Record<string, { Timeout?: string }> }>;
}

const EXECUTE_KEYS = ['EndpointId', 'EndpointUrl', 'Method', 'Body', 'Headers', 'WaitForCompletion', 'Expression'];
const CANCEL_KEYS = ['EndpointId', 'EndpointUrl', 'Method', 'Body', 'Headers'];
const EVENTS = ['TaskAssigned', 'TaskStarted', 'TaskCompleted'];
const METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'];
/** Macros the server resolves besides the task's inputs. */
const SERVER_VALUES = /^(endpoint\.[A-Za-z]+|system\.[A-Za-z.]+)$/i;

const all = listTaskFolders(SOURCE_TASKS_ROOT);
const serverTasks = all.filter((t) => isServerTask(t.dir));

describe('server task.json (HttpRequest)', () => {
  it('finds the server tasks, and every task of the extension has its own GUID', () => {
    assert.ok(serverTasks.length >= 3, 'the gate tasks');
    const ids = all.map((t) => String(readTaskJson(t.dir).id).toLowerCase());
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  });

  for (const folder of serverTasks) {
    describe(folder.folder, () => {
      const task = readTaskJson(folder.dir) as unknown as ServerTaskDocument;
      const inputNames = new Set(task.inputs.map((i) => i.name.toLowerCase()));
      const http = task.execution.HttpRequest;

      it('is named after its folder, with a GUID, and ships no code', () => {
        assert.equal(`${task.name}V${task.version.Major}`, folder.folder);
        assert.match(task.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
        for (const key of ['friendlyName', 'description', 'instanceNameFormat'] as const) assert.ok(task[key], key);
        assert.ok(!fs.existsSync(path.join(folder.dir, 'index.ts')), 'the server runs it: no index.ts');
        assert.ok(fs.existsSync(path.join(folder.dir, 'icon.png')));
      });

      it('runs on the server only (Server, ServerGate)', () => {
        assert.ok(task.runsOn.length > 0 && task.runsOn.every((r) => r === 'Server' || r === 'ServerGate'), JSON.stringify(task.runsOn));
        assert.deepEqual(Object.keys(task.execution), ['HttpRequest']);
      });

      it('uses only the documented HttpRequest keys, a known method and a valid Events timeout', () => {
        assert.deepEqual(Object.keys(http).filter((k) => !['Execute', 'Cancel', 'Events'].includes(k)), []);
        assert.deepEqual(Object.keys(http.Execute).filter((k) => !EXECUTE_KEYS.includes(k)), []);
        assert.deepEqual(Object.keys(http.Cancel ?? {}).filter((k) => !CANCEL_KEYS.includes(k)), []);
        assert.ok(METHODS.includes(http.Execute.Method), http.Execute.Method);
        assert.ok(['true', 'false'].includes(http.Execute.WaitForCompletion ?? 'false'));
        for (const [name, event] of Object.entries(http.Events ?? {})) {
          assert.ok(EVENTS.includes(name), name);
          const m = /^(\d+):(\d{2}):(\d{2})$/.exec(event.Timeout ?? '');
          assert.ok(m && Number(m[1]) <= 72, `${name}.Timeout ${event.Timeout}: hh:mm:ss, at most 72 hours`);
        }
      });

      it('authenticates with its AzureRM connection input and builds the URL from $(endpoint.url)', () => {
        const m = /^\$\(([^)]+)\)$/.exec(http.Execute.EndpointId);
        assert.ok(m, `EndpointId ${http.Execute.EndpointId}`);
        const input = task.inputs.find((i) => i.name === m[1]);
        assert.equal(input?.type, 'connectedService:AzureRM');
        assert.equal(input?.required, true);
        // An AzureRM connection's URL ends with a slash (https://management.azure.com/).
        assert.match(http.Execute.EndpointUrl, /^\$\(endpoint\.url\)subscriptions\/\{\{subscriptionId\}\}\//);
        assert.match(http.Execute.EndpointUrl, /api-version=\d{4}-\d{2}-\d{2}/);
      });

      it('refers only to its own inputs and the server\'s values in macros and templates', () => {
        for (const [key, text] of Object.entries({ ...http.Execute, ...(http.Cancel ?? {}) })) {
          for (const [, name] of text.matchAll(/\$\(([^()]+)\)/g)) assert.ok(inputNames.has(name.toLowerCase()) || SERVER_VALUES.test(name), `${key}: $(${name}) is neither an input nor a server value`);
          for (const [, name] of text.matchAll(/\{\{#if ([^}\s]+)\}\}/g)) assert.ok(inputNames.has(name.toLowerCase()), `${key}: {{#if ${name}}}`);
        }
        assert.ok(!http.Execute.Headers || typeof JSON.parse(http.Execute.Headers) === 'object');
      });

      it('decides by a success criterion that parses for every choice of its pick lists, or by the completion event', () => {
        const expression = http.Execute.Expression;
        if (http.Execute.WaitForCompletion === 'true') {
          assert.ok(!expression, 'with WaitForCompletion the TaskCompleted event decides');
          assert.ok(http.Events?.TaskCompleted?.Timeout, 'a TaskCompleted timeout');
          return;
        }
        assert.ok(expression, 'a gate decides by the response');
        const pickLists = task.inputs.filter((i) => i.options);
        const choices = pickLists.length ? pickLists.flatMap((p) => Object.keys(p.options!).map((value) => ({ [p.name]: value }))) : [{}];
        for (const choice of choices) {
          const text = expression.replace(/\$\(([^()]+)\)/g, (_, name: string) => choice[name] ?? task.inputs.find((i) => i.name === name)?.defaultValue ?? '1');
          assert.doesNotThrow(() => parseExpression(text), text);
        }
      });

      it('explains every input', () => {
        for (const input of task.inputs) assert.ok(input.helpMarkDown, `${input.name} has no helpMarkDown`);
      });
    });
  }
});
