// The platform seam: everything the core needs from the agent, as plain data and calls.
// taskLibHost.ts implements it over azure-pipelines-task-lib; tests implement it with sinon fakes.

export type TaskOutcome = "Succeeded" | "SucceededWithIssues" | "Failed" | "Cancelled";

/** Agent proxy settings (Agent.ProxyUrl & co.); bypass entries are regular expressions matched against the URL. */
export interface AgentProxySettings {
  proxyUrl: string;
  username?: string;
  password?: string;
  bypassPatterns: string[];
}

/** Agent TLS settings (Agent.CAInfo, Agent.ClientCert & co.): file paths. */
export interface AgentCertificateSettings {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  passphrase?: string;
}

/** Authorization of a service connection as the agent hands it over (ENDPOINT_AUTH_<id>). */
export interface EndpointAuthorization {
  scheme: string;
  parameters: Record<string, string>;
}

export interface TaskHost {
  /** Trimmed input value; undefined when empty. Throws UserError "Input required: <name>" when required and empty. */
  getInput(name: string, required: true): string;
  getInput(name: string, required?: boolean): string | undefined;
  /** true/false in any case; throws UserError naming the input for any other value. */
  getBoolInput(name: string, defaultValue?: boolean): boolean;
  /**
   * Absolute path input (relative values rooted at System.DefaultWorkingDirectory); undefined when empty or
   * when it is the repository root, which is what the agent passes for a filePath input left empty.
   */
  getPathInput(name: string, required: true): string;
  getPathInput(name: string, required?: boolean): string | undefined;
  getVariable(name: string): string | undefined;

  getEndpointUrl(endpointId: string): string | undefined;
  getEndpointAuthorization(endpointId: string): EndpointAuthorization | undefined;
  /** Endpoint data parameter (ENDPOINT_DATA_<id>_<KEY>); keys are case-insensitive. */
  getEndpointDataParameter(endpointId: string, key: string): string | undefined;

  setVariable(name: string, value: string, options?: { isOutput?: boolean; isSecret?: boolean }): void;
  /** Registers a single-line value with the agent's log masker. */
  setSecret(value: string): void;
  setResult(outcome: TaskOutcome, message: string): void;

  debug(message: string): void;
  log(message: string): void;
  warning(message: string): void;
  uploadSummary(markdownPath: string): void;

  getHttpProxyConfiguration(): AgentProxySettings | undefined;
  getHttpCertConfiguration(): AgentCertificateSettings | undefined;

  /** A variable of the task's process environment (HTTPS_PROXY, AZURE_HTTP_USER_AGENT, ...); undefined when unset or empty. */
  getEnvironmentVariable(name: string): string | undefined;
  /** Sets a variable of the task's process environment, for libraries that read nothing else. */
  setEnvironmentVariable(name: string, value: string): void;
}
