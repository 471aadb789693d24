import * as assert from 'node:assert/strict';
import { evaluateExpression, ExpressionError, VariableLookup, type ExpressionContext } from '../../../runner/expressions/evaluator';
import { parseLoggingCommand } from '../../../runner/loggingCommands';
import { expandMacros } from '../../../runner/expressions/macros';

const vars: Record<string, string> = { 'build.sourcebranch': 'refs/heads/main', env: 'Prod', count: '3', empty: '' };
const context: ExpressionContext = {
  values: {
    variables: new VariableLookup((n) => vars[n.toLowerCase()]),
    dependencies: { Train: { result: 'Succeeded', outputs: { 'register.modelVersion': '7' } } },
  },
};
const ev = (source: string) => evaluateExpression(source, context);

describe('runner: expressions', () => {
  it('compares like Azure Pipelines: case-insensitive strings, right converted to the left type', () => {
    assert.equal(ev("eq(variables.env, 'prod')"), true);
    assert.equal(ev("ne(variables['env'], 'Prod')"), false);
    assert.equal(ev('eq(3, variables.count)'), true);
    assert.equal(ev("gt(variables.count, '10')"), true, 'string comparison when the left is a string');
    assert.equal(ev("eq(variables['Build.SourceBranch'], 'refs/heads/main')"), true);
    assert.equal(ev("eq(variables.Build.SourceBranch, 'refs/heads/main')"), true);
    assert.equal(ev("eq(variables.missing, '')"), true);
  });

  it('supports iif (evaluating only the chosen branch) and trim', () => {
    assert.equal(ev("iif(eq(variables.env, 'prod'), 'large', 'small')"), 'large');
    assert.equal(ev("iif(false, nosuchfunction(), 'small')"), 'small');
    assert.equal(ev("trim('  padded ')"), 'padded');
  });

  it('supports the logical and string functions', () => {
    assert.equal(ev("and(true, or(false, not(false)), contains('abc', 'B'))"), true);
    assert.equal(ev("in(variables.env, 'dev', 'prod')"), true);
    assert.equal(ev("notIn(variables.env, 'dev', 'prod')"), false);
    assert.equal(ev("startsWith(variables['build.sourcebranch'], 'refs/heads/')"), true);
    assert.equal(ev("endsWith('model.pkl', '.PKL')"), true);
    assert.equal(ev("format('{0}-{1}', 'a', variables.count)"), 'a-3');
    assert.equal(ev("coalesce(variables.empty, 'fallback')"), 'fallback');
    assert.equal(ev("eq(dependencies.Train.outputs['register.modelVersion'], 7)"), true, 'the number 7 is converted to the string "7"');
  });

  it('reads job outputs by step.var and results', () => {
    assert.equal(ev("dependencies.Train.outputs['register.modelVersion']"), '7');
    assert.equal(ev("eq(dependencies.Train.result, 'succeeded')"), true);
  });

  it('refuses status functions outside conditions and unknown functions', () => {
    assert.throws(() => ev('succeeded()'), ExpressionError);
    assert.throws(() => ev("counter('x', 1)"), /function 'counter' is not supported/);
    assert.throws(() => ev('eq(1'), /expected '\)'/);
  });
});

describe('runner: logging commands and macros', () => {
  it('parses ##vso commands anywhere in a line and unescapes as task-lib escapes', () => {
    const cmd = parseLoggingCommand('prefix ##vso[task.setvariable variable=a%3Bb;isOutput=true]50%AZP25%0Adone');
    assert.deepEqual(cmd, { name: 'task.setvariable', properties: { variable: 'a;b', isoutput: 'true' }, message: '50%\ndone' });
    assert.equal(parseLoggingCommand('no command here'), undefined);
    assert.ok('error' in (parseLoggingCommand('##vso[task.setvariable variable=x') as object));
  });

  it('expands known $(macros) and leaves unknown ones as written', () => {
    const store = { get: (n: string) => ({ a: '1', 'b.c': 'two' })[n.toLowerCase() as 'a'] };
    assert.equal(expandMacros('$(a)-$(B.C)-$(unknown)-$(date +%s)', store), '1-two-$(unknown)-$(date +%s)');
  });
});
