// Job variables as the agent keeps them: case-insensitive names, secrets and read-only flags,
// and the environment forms tasks and scripts see.
import type { SecretMasker } from './masker';

export interface Variable {
  name: string;
  value: string;
  secret: boolean;
  readonly: boolean;
}

/** The agent's VarUtil.ConvertToEnvVariableFormat: '.' and ' ' become '_', upper case. */
export function envName(name: string): string {
  return name.replace(/[. ]/g, '_').toUpperCase();
}

export class VariableStore {
  private readonly vars = new Map<string, Variable>();

  constructor(private readonly masker: SecretMasker) {}

  /** A copy sharing the masker: a job's variables start from the stage's, which start from the pipeline's. */
  clone(): VariableStore {
    const copy = new VariableStore(this.masker);
    for (const v of this.vars.values()) copy.vars.set(v.name.toLowerCase(), { ...v });
    return copy;
  }

  get(name: string): string | undefined {
    return this.vars.get(name.toLowerCase())?.value;
  }

  has(name: string): boolean {
    return this.vars.has(name.toLowerCase());
  }

  isSecret(name: string): boolean {
    return this.vars.get(name.toLowerCase())?.secret ?? false;
  }

  /**
   * Sets a variable; returns false (and changes nothing) when it is read-only. Once secret,
   * always secret, like task-lib and the agent.
   */
  set(name: string, value: string, options: { secret?: boolean; readonly?: boolean; force?: boolean } = {}): boolean {
    const key = name.toLowerCase();
    const existing = this.vars.get(key);
    if (existing?.readonly && !options.force) return false;
    const secret = (options.secret ?? false) || (existing?.secret ?? false);
    if (secret) this.masker.add(value);
    this.vars.set(key, { name: existing?.name ?? name, value, secret, readonly: options.readonly ?? existing?.readonly ?? false });
    return true;
  }

  all(): Variable[] {
    return [...this.vars.values()];
  }

  /**
   * What a task process receives (the agent's Handler.AddVariablesToEnvironment): public
   * variables under their env names plus VSTS_PUBLIC_VARIABLES; secrets as SECRET_<NAME> plus
   * VSTS_SECRET_VARIABLES. task-lib moves the secrets into its vault and out of the environment.
   */
  taskEnvironment(): Record<string, string> {
    const env: Record<string, string> = {};
    const publicNames: string[] = [];
    const secretNames: string[] = [];
    for (const v of this.vars.values()) {
      if (v.secret) {
        env[`SECRET_${envName(v.name)}`] = v.value;
        secretNames.push(v.name);
      } else {
        if (v.name.toLowerCase() === 'agent.jobstatus') env[v.name] = v.value;
        env[envName(v.name)] = v.value;
        publicNames.push(v.name);
      }
    }
    env.VSTS_PUBLIC_VARIABLES = JSON.stringify(publicNames);
    env.VSTS_SECRET_VARIABLES = JSON.stringify(secretNames);
    return env;
  }

  /**
   * What a script sees: the public variables only. On the agent a script runs under the CmdLine
   * or Bash task, whose task-lib removes SECRET_* from the environment before starting bash, so
   * secrets reach a script only when mapped explicitly with `env:`.
   */
  scriptEnvironment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const v of this.vars.values()) if (!v.secret) env[envName(v.name)] = v.value;
    return env;
  }
}
