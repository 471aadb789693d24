// The extension's identity on the wire: every Azure call carries it in its User-Agent.
import * as fs from "node:fs";
import * as path from "node:path";
import { version } from "../../../package.json";
import { id } from "../../../vss-extension.json";

/** The Marketplace extension id (inlined by the bundler, like the version). */
export const extensionName: string = id;
export const extensionVersion: string = version;

/**
 * "azureml-mlops/1.2.3 AzureMLWorkspace/1.0.0", plus what the agent asks Azure tasks to add
 * (agentSuffix: the AZURE_HTTP_USER_AGENT environment variable) so calls are attributed to the pipeline.
 */
export function userAgent(taskName: string, taskVersion: string, agentSuffix?: string): string {
  return [`${extensionName}/${extensionVersion}`, `${taskName}/${taskVersion}`, agentSuffix?.trim()].filter(Boolean).join(" ");
}

/**
 * Name and version of the running task from the task.json beside it (read at run time: packaging stamps
 * the extension's version into the shipped task.json).
 */
export function readTaskIdentity(taskDirectory: string): { taskName: string; taskVersion: string } {
  const manifest = JSON.parse(fs.readFileSync(path.join(taskDirectory, "task.json"), "utf8").replace(/^\uFEFF/, "")) as { name: string; version: { Major: number; Minor: number; Patch: number } };
  return { taskName: manifest.name, taskVersion: `${manifest.version.Major}.${manifest.version.Minor}.${manifest.version.Patch}` };
}
