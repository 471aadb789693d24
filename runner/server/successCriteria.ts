// The success criterion of a server task's HTTP request (execution.HttpRequest.Execute.Expression):
// the task condition language over the response, with `root` (the parsed response body) and the
// server's two extra functions, jsonpath('<path>') (the values the path selects) and count(x).
// No expression: the response's content does not decide (any 2xx status succeeds).
import { evaluateExpression, ExpressionError, toBoolean, type ExprValue } from '../expressions/evaluator';
import { selectJsonPath } from './jsonPath';

/** The response body as JSON, or its text when it is not JSON. */
export function responseRoot(body: string): ExprValue {
  try {
    return JSON.parse(body) as ExprValue;
  } catch {
    return body;
  }
}

function count(value: ExprValue): number {
  if (Array.isArray(value)) return value.length;
  if (value === null || value === undefined || value === '') return 0;
  if (typeof value === 'object') return Object.keys(value).length;
  return 1;
}

/** Evaluates the criterion; an ExpressionError says what is wrong with it. */
export function evaluateSuccessCriteria(expression: string, body: string): boolean {
  const root = responseRoot(body);
  return toBoolean(
    evaluateExpression(expression, {
      values: { root },
      functions: {
        jsonpath: (args) => {
          if (args.length !== 1) throw new ExpressionError(`jsonpath() takes 1 argument(s), got ${args.length}`);
          return selectJsonPath(root, String(args[0])) as ExprValue[];
        },
        count: (args) => {
          if (args.length !== 1) throw new ExpressionError(`count() takes 1 argument(s), got ${args.length}`);
          return count(args[0]);
        },
      },
    }),
  );
}
