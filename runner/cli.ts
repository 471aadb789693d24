// npm run pipeline -- <pipeline.yml> [options]: run an Azure Pipelines YAML locally, the way the
// agent runs it, against the embedded emulator (default), a running emulator, or real Azure.
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { startEmbeddedEmulator, type EmulatorHandle } from './embeddedEmulator';
import { UserError } from './errors';
import { readVariableGroups } from './executor/variableGroups';
import { expandedPipelineYaml, parsePipelineFile } from './model/parser';
import { Cancellation, runPipeline, type RunOutcome } from './index';
import { AUTH_CHOICES, azureTargetFromEnvironment, emulatorTarget, readConnectionFile, type AuthChoice, type AzureTarget } from './serviceConnection';

const USAGE = `Usage: npm run pipeline -- <pipeline.yml> [options]

Runs an Azure Pipelines YAML file locally, step by step, as the Azure Pipelines agent would.

Target (default: start an embedded Azure emulator, run, stop it):
  --connection FILE   use a running emulator (its connection.json from \`npm run emulator\`)
  --azure             real Azure: a service principal from AZURE_TENANT_ID, AZURE_CLIENT_ID,
                      AZURE_CLIENT_SECRET, AZURE_SUBSCRIPTION_ID
  --auth SCHEME       the service connection's identity on the emulator:
                      ${AUTH_CHOICES.join(' | ')} (default: secret)
  --state-dir DIR     state directory of the embedded emulator (default: a temporary one)

Run:
  --var NAME=VALUE    set a variable (wins over the YAML, like a queue-time variable); repeatable
  --secret NAME=VALUE set a secret variable (masked everywhere); repeatable
  --param NAME=VALUE  set a pipeline parameter; repeatable
  --report FILE       write a JSON report of the run
  --tasks DIR         packaged tasks (default: build/tasks, made by \`npm run build\`)
  --work DIR          the agent's work folder (default: a temporary one, removed at exit)
  --keep-work         keep the temporary work folder after the run
  --debug             System.Debug=true
  --demo              use the emulator's workspace for the resourceGroupName and workspaceName
                      variables and end with a guide to what was done; the pipeline file may then
                      be a demo name instead (training, deploy; default training)
  --parallel N        agents: jobs that may run at the same time (default 1)
  --variable-group NAME=FILE
                      a variable group of the Library, from a YAML file (name: value, or
                      name: { value, isSecret: true } for a masked secret); repeatable
  --expand            print the pipeline as the server compiles it (templates and \${{ }}
                      resolved) and exit without running

Environments (checks live on environments in Azure DevOps, so here they come from a file):
  --environments FILE checks per environment: approval, exclusiveLock, resources
  --approve ENV       approve deployments to ENV; repeatable
  --reject ENV        reject deployments to ENV; repeatable
                      (otherwise: a prompt when a terminal is attached, or an answer file)
  --resume STEP       resume the run at ManualValidation@0 step STEP (or *); repeatable
  --reject-validation STEP
                      reject the run at ManualValidation@0 step STEP (or *); repeatable

Every service connection name in the YAML maps to the chosen target. Ctrl-C cancels like the
agent: SIGINT to the running step, SIGTERM 7.5 s later, kill 2.5 s after that; steps with
always() or canceled() conditions still run.`;

function pairs(values: string[] | undefined, option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UserError(`${option} ${v}: expected NAME=VALUE`);
    result[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return result;
}

function positiveInteger(text: string, option: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new UserError(`${option} ${text}: expected a whole number from 1`);
  return Number(text);
}

/** A y/n question on the terminal, given up when the approval is answered another way. */
function terminalPrompt(question: string, cancellation: Cancellation): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  return new Promise((resolve) => {
    const unsubscribe = cancellation.subscribe(() => {
      rl.close();
      resolve('');
    });
    rl.question(question, (answer) => {
      unsubscribe();
      rl.close();
      resolve(answer);
    });
  });
}

/**
 * The demos `npm run demo [-- <name>]` runs: the training pipeline, or another sample by name. A demo may
 * bring the environments file its deployment jobs need and approve its environments' approvals, as the
 * person at the Azure DevOps approvals page would (`--reject <env>` shows a refusal instead).
 */
interface Demo {
  pipeline: string;
  environments?: string;
  approve?: string[];
}
const DEMOS: Record<string, Demo> = {
  training: { pipeline: 'samples/training-pipeline.yml' },
  deploy: { pipeline: 'samples/deploy-pipeline.yml', environments: 'samples/deploy/environments.yml', approve: ['mlops-prod'] },
};

function demoOf(positionals: string[]): Demo {
  if (positionals.length > 1) throw new UserError(`--demo takes one demo name or pipeline file\n\n${USAGE}`);
  const [given = 'training'] = positionals;
  return DEMOS[given] ?? { pipeline: given };
}

interface CliOptions {
  pipelineFile: string;
  report?: string;
  connection?: string;
  azure: boolean;
  auth: AuthChoice;
  stateDir?: string;
  variables: Record<string, string>;
  secrets: Record<string, string>;
  parameters: Record<string, string>;
  tasks?: string;
  work?: string;
  keepWork: boolean;
  parallel?: number;
  variableGroups: Record<string, string>;
  expand: boolean;
  environmentsFile?: string;
  approve: string[];
  reject: string[];
  resume: string[];
  rejectValidation: string[];
  debug: boolean;
  demo: boolean;
}

function parseCommandLine(argv: string[]): CliOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        report: { type: 'string' },
        connection: { type: 'string' },
        azure: { type: 'boolean', default: false },
        auth: { type: 'string', default: 'secret' },
        'state-dir': { type: 'string' },
        var: { type: 'string', multiple: true },
        secret: { type: 'string', multiple: true },
        param: { type: 'string', multiple: true },
        tasks: { type: 'string' },
        work: { type: 'string' },
        'keep-work': { type: 'boolean', default: false },
        parallel: { type: 'string' },
        'variable-group': { type: 'string', multiple: true },
        expand: { type: 'boolean', default: false },
        environments: { type: 'string' },
        approve: { type: 'string', multiple: true },
        reject: { type: 'string', multiple: true },
        resume: { type: 'string', multiple: true },
        'reject-validation': { type: 'string', multiple: true },
        debug: { type: 'boolean', default: false },
        demo: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const demo = values.demo ? demoOf(positionals) : undefined;
  if (demo) positionals.splice(0, positionals.length, demo.pipeline);
  if (positionals.length !== 1) throw new UserError(`give exactly one pipeline file\n\n${USAGE}`);
  if (!(AUTH_CHOICES as readonly string[]).includes(values.auth!)) throw new UserError(`--auth ${values.auth}: choose one of ${AUTH_CHOICES.join(', ')}`);
  if (values.azure && values.connection) throw new UserError('--azure and --connection exclude each other');
  return {
    pipelineFile: positionals[0],
    report: values.report,
    connection: values.connection,
    azure: values.azure!,
    auth: values.auth as AuthChoice,
    stateDir: values['state-dir'],
    variables: pairs(values.var, '--var'),
    secrets: pairs(values.secret, '--secret'),
    parameters: pairs(values.param, '--param'),
    tasks: values.tasks,
    work: values.work,
    keepWork: values['keep-work']!,
    parallel: values.parallel === undefined ? undefined : positiveInteger(values.parallel, '--parallel'),
    variableGroups: pairs(values['variable-group'], '--variable-group'),
    expand: values.expand!,
    environmentsFile: values.environments ?? demo?.environments,
    approve: [...(values.approve ?? []), ...(demo?.approve ?? []).filter((env) => !(values.reject ?? []).includes(env))],
    reject: values.reject ?? [],
    resume: values.resume ?? [],
    rejectValidation: values['reject-validation'] ?? [],
    debug: values.debug!,
    demo: values.demo!,
  };
}

function demoGuide(outcome: RunOutcome, options: CliOptions, emulator: EmulatorHandle | undefined): string[] {
  const lines = ['', '================================ What happened ================================'];
  lines.push(`The pipeline ${options.pipelineFile} ran locally, each step as the Azure Pipelines agent runs it,`);
  lines.push(`against ${emulator ? 'an emulated Azure ML workspace (nothing left this machine)' : 'the target you chose'}. Result: ${outcome.result}.`);
  lines.push(...outcome.summary);
  lines.push('', 'Where to look:');
  if (emulator) {
    lines.push(`  emulator state   ${emulator.stateDir}`);
    lines.push(`                   (connection.json, the request log and every resource the tasks created)`);
  }
  if (options.report) lines.push(`  run report       ${path.resolve(options.report)}`);
  if (outcome.report.workFolderKept) lines.push(`  agent work dir   ${outcome.report.workFolder}`);
  lines.push('', 'Next: samples/README.md explains each sample; `npm run emulator` keeps an emulator running for');
  lines.push('`npm run pipeline -- <file> --connection <state dir>/connection.json`.');
  return lines;
}

async function main(argv: string[]): Promise<number> {
  const options = parseCommandLine(argv);
  if (!options) return 0;
  const cancellation = new Cancellation();
  let firstInterrupt = 0;
  const onInterrupt = () => {
    if (!firstInterrupt) {
      firstInterrupt = Date.now();
      console.log('##[warning]Canceling: the running step gets SIGINT, then SIGTERM after 7.5 s and is killed 2.5 s later.');
    } else if (Date.now() - firstInterrupt > 1000) {
      // tsx relays the terminal's SIGINT too, so one Ctrl-C can arrive twice: only later ones count.
      console.log('##[warning]Already canceling; steps with always() or canceled() conditions still run.');
    }
    cancellation.cancel();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  // Refuse a bad pipeline file before starting anything.
  const parseOptions = { parameters: options.parameters, variables: options.variables, variableGroups: readVariableGroups(options.variableGroups) };
  if (options.expand) {
    process.stdout.write(expandedPipelineYaml(options.pipelineFile, parseOptions));
    return 0;
  }
  parsePipelineFile(options.pipelineFile, parseOptions);
  let emulator: EmulatorHandle | undefined;
  let target: AzureTarget;
  try {
    if (options.azure) {
      target = azureTargetFromEnvironment(process.env, options.auth);
    } else if (options.connection) {
      target = emulatorTarget(readConnectionFile(options.connection), options.auth);
    } else {
      console.log('Starting the embedded Azure emulator...');
      emulator = await startEmbeddedEmulator(options.stateDir);
      console.log(`Emulator running; state in ${emulator.stateDir}`);
      target = emulatorTarget(emulator.connection, options.auth);
    }
    const variables = { ...options.variables };
    if (options.demo && target.kind === 'emulator') {
      variables.resourceGroupName ??= target.resourceGroupName!;
      variables.workspaceName ??= target.workspaceName!;
      console.log(`Demo: resourceGroupName=${variables.resourceGroupName}, workspaceName=${variables.workspaceName} (the emulator's workspace)`);
    }
    const outcome = await runPipeline({
      pipelineFile: options.pipelineFile,
      target,
      tasksDirectory: options.tasks,
      workFolder: options.work,
      keepWork: options.keepWork,
      parallel: options.parallel,
      variableGroups: options.variableGroups,
      environmentsFile: options.environmentsFile,
      approvals: { approve: options.approve, reject: options.reject, prompt: process.stdin.isTTY && process.stdout.isTTY ? terminalPrompt : undefined },
      validations: { resume: options.resume, reject: options.rejectValidation },
      variables,
      secrets: options.secrets,
      parameters: options.parameters,
      debug: options.debug,
      cancellation,
      reportFile: options.report,
      emulatorStateDir: emulator?.stateDir,
    });
    const closing = options.demo ? demoGuide(outcome, options, emulator) : ['', `Result: ${outcome.result}`, ...outcome.summary, ...(options.report ? [`Report: ${path.resolve(options.report)}`] : [])];
    closing.forEach((l) => console.log(l));
    return outcome.result === 'Succeeded' || outcome.result === 'SucceededWithIssues' ? 0 : outcome.result === 'Canceled' ? 130 : 1;
  } finally {
    if (emulator) {
      await emulator.stop();
      console.log('Emulator stopped.');
    }
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(70);
  },
);
