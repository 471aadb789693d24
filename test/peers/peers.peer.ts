// Microsoft's own clients as a test suite (`npm run test:peers`): azure-ai-ml 1.4.0 (Debian's python3-azure)
// and the az CLI (Debian's azure-cli) drive the emulator as users drive Azure, set up only with what
// connection.json gives (HTTPS_PROXY, REQUESTS_CA_BUNDLE, the service principal). A failure here is
// an emulator infidelity: fix the emulator, never the clients. Nothing may leave the machine: the
// Python processes refuse non-loopback connections (python/sitecustomize.py) and the emulator's proxy
// refuses hosts it does not serve; both are checked at the end.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunningEmulator, startEmulator } from '../../emulator/src';
import type { RequestLogEntry } from '../../emulator/src/requestLog';
import { JobClient } from '../emulator/jobFixtures';

/** Debian's interpreter, which has python3-azure; not a pyenv or virtualenv python3 that may come first on PATH. */
const PYTHON = '/usr/bin/python3';
const AZ = '/usr/bin/az';
const HERE = __dirname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface SdkStep {
  step: string;
  ok: boolean;
  error?: string;
  trace?: string;
  [fact: string]: unknown;
}

describe('peer clients: azure-ai-ml and the az CLI against the emulator', function () {
  this.timeout(180_000);
  let emulator: RunningEmulator;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let offlineLog: string;
  let workspaceId: string;

  before(async () => {
    for (const [tool, hint] of [
      [PYTHON, 'python3-azure'],
      [AZ, 'azure-cli'],
    ]) {
      assert.ok(fs.existsSync(tool), `${tool} is missing: install Debian's ${hint} (apt-get install -y python3-azure azure-cli), as .ci/run does`);
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-clients-'));
    emulator = await startEmulator({ stateDir: path.join(work, 'emulator') });
    const c = emulator.connection;
    workspaceId = `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${c.workspaceName}`;
    offlineLog = path.join(work, 'offline-attempts.log');
    const azureConfigDir = path.join(work, 'azure-config');
    fs.mkdirSync(azureConfigDir);
    env = {
      PATH: process.env.PATH,
      HOME: work,
      LANG: 'C.UTF-8',
      // What connection.json gives a user (the emulator's proxy and CA), and nothing of this machine's own settings.
      HTTPS_PROXY: c.proxyUrl,
      HTTP_PROXY: c.proxyUrl,
      NO_PROXY: '',
      REQUESTS_CA_BUNDLE: c.caCertFile,
      // The offline guard (sitecustomize) and the pydash stand-in.
      PYTHONPATH: [path.join(HERE, 'python'), path.join(HERE, '..', '..', 'scripts', 'python')].join(path.delimiter),
      PEER_OFFLINE_LOG: offlineLog,
      PYTHONDONTWRITEBYTECODE: '1',
      // az: its own configuration folder, telemetry off, no prompts or surveys.
      AZURE_CONFIG_DIR: azureConfigDir,
      AZURE_CORE_COLLECT_TELEMETRY: 'no',
      AZURE_CORE_SURVEY_MESSAGE: 'no',
      AZURE_CORE_NO_COLOR: 'yes',
      AZURE_CORE_ONLY_SHOW_ERRORS: 'yes',
    };
    // A new configuration folder makes az check for a newer version (a connection to azure.microsoft.com,
    // then GitHub); a cache of the installed versions, as an earlier az run writes it, tells it there is nothing to do.
    const local = await run(PYTHON, ['-c', 'from azure.cli.core import __version__ as v; from azure.cli.telemetry import __version__ as t; print(v, t)'], env);
    assert.equal(local.code, 0, local.stderr);
    const [core, telemetry] = local.stdout.trim().split(' ');
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    fs.writeFileSync(path.join(azureConfigDir, 'versionCheck.json'), JSON.stringify({ versions: { 'azure-cli': { local: core }, core: { local: core }, telemetry: { local: telemetry } }, update_time: `${now}000` }));
  });

  after(async () => {
    await emulator?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the offline guard is active in the clients\' Python (it refuses non-loopback connections and name lookups before they happen)', async () => {
    // 192.0.2.1 is TEST-NET-1 (documentation only); the guard refuses before any packet or DNS query is sent.
    const attempt = (code: string) => `import socket\ntry:\n    ${code}\nexcept OSError as e:\n    print("refused:", e)`;
    for (const code of ['socket.socket().connect(("192.0.2.1", 443))', 'socket.getaddrinfo("login.microsoftonline.com", 443)']) {
      const probe = await run(PYTHON, ['-c', attempt(code)], env);
      assert.match(probe.stdout, /refused: .*peer tests stay on this machine/, `${code}: ${probe.stdout}${probe.stderr}`);
    }
    assert.match(fs.readFileSync(offlineLog, 'utf8'), /'192\.0\.2\.1'[\s\S]*lookup 'login\.microsoftonline\.com'/);
    fs.rmSync(offlineLog);
  });

  describe('azure-ai-ml (MLClient)', () => {
    let steps: SdkStep[];
    before(async () => {
      const script = await run(PYTHON, [path.join(HERE, 'azureml_client.py'), emulator.connectionFile, path.join(HERE, 'fixtures'), 'peer-command-job'], env, 150_000);
      // A report may follow the SDK's own progress output on the same line (LRO pollers print dots).
      steps = script.stdout
        .split('\n')
        .filter((line) => line.includes('{"step"'))
        .map((line) => JSON.parse(line.slice(line.indexOf('{"step"'))) as SdkStep);
      assert.ok(steps.length > 0, `the script reported nothing (exit ${script.code}):\n${script.stdout}\n${script.stderr}`);
    });
    const step = (name: string): SdkStep => {
      const found = steps.find((s) => s.step === name);
      assert.ok(found, `step '${name}' did not run: ${JSON.stringify(steps.map((s) => s.step))}`);
      assert.ok(found.ok, `${name} failed: ${found.error}\n${found.trace ?? ''}`);
      return found;
    };

    it('gets the workspace', () => {
      const workspace = step('workspace get');
      assert.equal(workspace.name, emulator.connection.workspaceName);
      assert.equal(workspace.location, emulator.connection.location);
      assert.equal(String(workspace.id).toLowerCase(), workspaceId.toLowerCase());
    });

    it('gets the compute cluster', () => {
      const compute = step('compute get');
      assert.deepEqual([compute.name, compute.type], ['cpu-cluster', 'amlcompute']);
    });

    it('submits a command job with local code, and streams it to completion', () => {
      const submitted = step('job submit');
      assert.equal(submitted.name, 'peer-command-job');
      const studio = new URL(String(submitted.studio_url));
      assert.equal(studio.searchParams.getAll('tid').length, 1, `one tenant in the studio link (the client appends it): ${studio.href}`);
      assert.equal(step('job stream').status, 'Completed');
    });

    it('registers a model from a local folder', () => {
      const model = step('model create');
      assert.deepEqual([model.name, model.version], ['peer-model', '1']);
      assert.match(String(model.path), /\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]+\/model$/);
    });

    it('reads a model version of the registry mlr-shared and downloads its files (discovery, registry path, data-reference SAS)', () => {
      const model = step('registry model get');
      assert.deepEqual([model.name, model.version, model.type], ['credit-default', '1', 'custom_model']);
      assert.match(String(model.path), /^https:\/\/mlrsharedstore\.blob\.core\.windows\.net\/[^/]+\/credit-default$/);
      assert.deepEqual(step('registry model download').files, ['credit-default/credit-default/README.md', 'credit-default/credit-default/model.json']);
    });

    it('creates a managed online endpoint and a deployment, and shifts traffic to it', () => {
      const endpoint = step('online endpoint create');
      assert.deepEqual([endpoint.name, endpoint.provisioning_state, endpoint.has_key], ['peer-endpoint', 'Succeeded', true]);
      assert.match(String(endpoint.scoring_uri), /^https:\/\/peer-endpoint\.[a-z0-9]+\.inference\.ml\.azure\.com\/score$/);
      assert.deepEqual([step('online deployment create').name, step('online deployment create').provisioning_state], ['blue', 'Succeeded']);
      assert.deepEqual(step('online endpoint traffic').traffic, { blue: 100 });
    });

    it('lists online endpoints', () => {
      assert.deepEqual(step('online endpoint list').names, ['peer-endpoint']);
    });

    it('creates a batch endpoint and deployment, makes it the default, and invokes it on a local folder to predictions.csv', async () => {
      const invoked = step('batch invoke');
      const endpoint = step('batch endpoint create');
      assert.deepEqual([endpoint.name, endpoint.provisioning_state], ['peer-batch', 'Succeeded']);
      assert.match(String(endpoint.scoring_uri), /^https:\/\/peer-batch\.[a-z0-9]+\.inference\.ml\.azure\.com\/jobs$/);
      assert.deepEqual([step('batch deployment create').name, step('batch deployment create').mini_batch_size], ['scorer', 1]);
      assert.equal(step('batch endpoint default').default, 'scorer');
      assert.equal(invoked.status, 'Completed');
      const output = /^azureml:\/\/datastores\/workspaceblobstore\/paths\/(.+)$/.exec(String(invoked.output));
      assert.ok(output, `the score output is on the default datastore: ${invoked.output}`);
      // One row per input file: its name, its length and the number of model files the script found.
      assert.equal(await new JobClient(emulator).readBlob(`${output[1]}predictions.csv`), 'a.txt,4,2\nb.txt,6,2\n');
    });

    it('creates a cron schedule in a Windows time zone and disables it', () => {
      const created = step('schedule create');
      assert.deepEqual([created.name, created.is_enabled, created.provisioning_state, created.expression], ['peer-weekly', true, 'Succeeded', '0 3 * * 1']);
      assert.deepEqual([step('schedule disable').is_enabled, step('schedule disable').listed], [false, []]);
    });
  });

  describe('az CLI', () => {
    const az = async (...args: string[]): Promise<any> => {
      const result = await run(AZ, [...args, '--output', 'json'], env);
      assert.equal(result.code, 0, `az ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}\n${result.stdout}`);
      return result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
    };

    it('az login --service-principal', async () => {
      const c = emulator.connection;
      const accounts = await az('login', '--service-principal', '--username', c.secret.clientId, `--password=${c.secret.clientSecret}`, '--tenant', c.tenantId);
      assert.deepEqual(
        accounts.map((a: any) => [a.id, a.tenantId, a.user.type]),
        [[c.subscriptionId, c.tenantId, 'servicePrincipal']],
      );
    });

    it('az account show', async () => {
      const account = await az('account', 'show');
      assert.deepEqual([account.id, account.user.name], [emulator.connection.subscriptionId, emulator.connection.secret.clientId]);
    });

    it('az group list', async () => {
      const groups = await az('group', 'list');
      assert.deepEqual(
        groups.map((g: any) => g.name),
        [emulator.connection.resourceGroupName],
      );
    });

    it('az resource show --ids <workspace id> (asks the provider registration for the api-version first)', async () => {
      const workspace = await az('resource', 'show', '--ids', workspaceId);
      assert.equal(String(workspace.id).toLowerCase(), workspaceId.toLowerCase());
      assert.equal(workspace.type, 'Microsoft.MachineLearningServices/workspaces');
    });

    it('az rest', async () => {
      const computes = await az('rest', '--method', 'get', '--url', `https://management.azure.com${workspaceId}/computes?api-version=2022-10-01`);
      assert.ok(computes.value.some((c: any) => c.name === 'cpu-cluster'));
    });
  });

  describe('nothing left the machine', () => {
    it('no Python process tried a non-loopback connection or name lookup', () => {
      const attempts = fs.existsSync(offlineLog) ? fs.readFileSync(offlineLog, 'utf8').trim() : '';
      assert.equal(attempts, '', `connections refused by the offline guard:\n${attempts}`);
    });

    it('the proxy was asked for no host the emulator does not serve', () => {
      const log = fs
        .readFileSync(path.join(emulator.stateDir, 'requests.log'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as RequestLogEntry);
      const refused = log.filter((e) => e.type === 'request' && e.status === 502).map((e) => `${e.method} ${e.host}${e.path}`);
      assert.deepEqual(refused, []);
      assert.ok(log.some((e) => e.type === 'request' && e.host === 'management.azure.com'), 'the clients did reach the emulator');
    });
  });
});
