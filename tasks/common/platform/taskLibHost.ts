// The only module that touches azure-pipelines-task-lib: it adapts task-lib to the TaskHost seam.
import * as path from "node:path";
import * as tl from "azure-pipelines-task-lib/task";
import type { AgentCertificateSettings, AgentProxySettings, EndpointAuthorization, TaskHost, TaskOutcome } from "./taskHost";
import { parseBooleanInput } from "./declaredInputs";
import { UserError } from "./userError";

const outcomes: Record<TaskOutcome, tl.TaskResult> = {
  Succeeded: tl.TaskResult.Succeeded,
  SucceededWithIssues: tl.TaskResult.SucceededWithIssues,
  Failed: tl.TaskResult.Failed,
  Cancelled: tl.TaskResult.Cancelled,
};

function readInput(name: string, required: boolean | undefined): string | undefined {
  // Required-ness is checked here rather than by task-lib: task-lib's message comes from its lib.json,
  // which is not shipped beside a bundled task.
  const value = tl.getInput(name, false)?.trim();
  if (!value && required) {
    throw new UserError(`Input required: ${name}`);
  }
  return value || undefined;
}

/**
 * The agent passes an empty filePath input as the repository root (System.DefaultWorkingDirectory), so that
 * value means "not supplied", as in task-lib's filePathSupplied; relative values are rooted the same way.
 */
function readPathInput(name: string, required: boolean | undefined): string | undefined {
  const value = readInput(name, false);
  const repositoryRoots = [tl.getVariable("System.DefaultWorkingDirectory"), tl.getVariable("Build.SourcesDirectory")].filter((dir): dir is string => !!dir).map((dir) => path.resolve(dir));
  const resolved = value === undefined ? undefined : path.resolve(repositoryRoots[0] ?? "", value);
  if (resolved === undefined || repositoryRoots.includes(resolved)) {
    if (required) throw new UserError(`Input required: ${name}`);
    return undefined;
  }
  return resolved;
}

export function createTaskLibHost(): TaskHost {
  return {
    getInput: readInput as TaskHost["getInput"],
    getBoolInput(name: string, defaultValue = false): boolean {
      const value = readInput(name, false);
      return value === undefined ? defaultValue : parseBooleanInput(name, value);
    },
    getPathInput: readPathInput as TaskHost["getPathInput"],
    getVariable: (name) => tl.getVariable(name) || undefined,

    getEndpointUrl: (id) => tl.getEndpointUrl(id, true) || undefined,
    getEndpointAuthorization(id): EndpointAuthorization | undefined {
      const auth = tl.getEndpointAuthorization(id, true);
      if (!auth) {
        return undefined;
      }
      const scheme = auth.scheme || tl.getEndpointAuthorizationScheme(id, true) || "";
      return { scheme, parameters: auth.parameters ?? {} };
    },
    getEndpointDataParameter: (id, key) => tl.getEndpointDataParameter(id, key, true) || undefined,

    setVariable: (name, value, options) => tl.setVariable(name, value, options?.isSecret ?? false, options?.isOutput ?? false),
    setSecret: (value) => tl.setSecret(value),
    setResult: (outcome, message) => tl.setResult(outcomes[outcome], message),

    debug: (message) => tl.debug(message),
    log: (message) => console.log(message),
    warning: (message) => tl.warning(message),
    uploadSummary: (markdownPath) => tl.uploadSummary(markdownPath),

    getHttpProxyConfiguration(): AgentProxySettings | undefined {
      const proxy = tl.getHttpProxyConfiguration();
      if (!proxy?.proxyUrl) {
        return undefined;
      }
      return {
        proxyUrl: proxy.proxyUrl,
        username: proxy.proxyUsername || undefined,
        password: proxy.proxyPassword || undefined,
        bypassPatterns: proxy.proxyBypassHosts ?? [],
      };
    },
    getHttpCertConfiguration(): AgentCertificateSettings | undefined {
      const certs = tl.getHttpCertConfiguration();
      if (!certs) {
        return undefined;
      }
      return { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile, passphrase: certs.passphrase };
    },

    getEnvironmentVariable: (name) => process.env[name] || undefined,
    setEnvironmentVariable: (name, value) => {
      process.env[name] = value;
    },
  };
}
