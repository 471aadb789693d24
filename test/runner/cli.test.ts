// The command line as a user runs it: exit codes, errors without stack traces, and the masking
// sample through a running emulator's connection file (scripts only, so a stand-in file does).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function cli(args: string[]) {
  const r = spawnSync(TSX, [path.join(ROOT, 'runner', 'cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function connectionFile(dir: string): string {
  const file = path.join(dir, 'connection.json');
  const identity = { clientId: 'c', clientSecret: 'emulator-secret-0001' };
  fs.writeFileSync(
    file,
    JSON.stringify({ proxyUrl: 'http://127.0.0.1:9', caCertFile: path.join(dir, 'ca.pem'), tenantId: 't', subscriptionId: 's', resourceGroupName: 'rg', workspaceName: 'ws', location: 'westeurope', adminUrl: 'http://127.0.0.1:9', secret: identity, reader: identity }),
  );
  fs.writeFileSync(path.join(dir, 'ca.pem'), '');
  return file;
}

describe('runner: command line', function () {
  this.timeout(60_000);

  it('masks a printed secret in the console and the report (samples/secret-masking.yml)', () => {
    const dir = tempDir();
    const report = path.join(dir, 'report.json');
    const r = cli(['samples/secret-masking.yml', '--connection', connectionFile(dir), '--secret', 'dbPassword=Hunter2-Hunter2', '--report', report]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /The token is \*\*\*/);
    assert.match(r.out, /DB_PASSWORD=\*\*\*/);
    assert.ok(!r.out.includes('Hunter2-Hunter2'));
    const text = fs.readFileSync(report, 'utf8');
    assert.ok(!text.includes('Hunter2-Hunter2'));
    assert.ok(!/tok-\d/.test(text) && !/tok-\d/.test(r.out), 'the generated token never appears');
    assert.equal(JSON.parse(text).stages[0].jobs[0].outputs['makeToken.tokenHint'], 'token is ***');
  });

  it('refuses unsupported YAML with the file and line, exit code 2 and no stack trace', () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yml');
    fs.writeFileSync(file, 'steps:\n  - script: echo\n  - pwsh: Write-Host hi\n');
    const r = cli([file, '--connection', connectionFile(dir)]);
    assert.equal(r.code, 2);
    assert.equal(r.out.trim(), `error: ${file}:3:5: the 'pwsh' step is not supported by the local runner`);
  });

  it('prints the compiled pipeline with --expand, templates and ${{ }} resolved, without running it', () => {
    const r = cli(['samples/templated-training-pipeline.yml', '--expand', '--param', 'register=false']);
    assert.equal(r.code, 0, r.out);
    assert.ok(!r.out.includes('${{'), r.out);
    assert.ok(!r.out.includes('template:'), r.out);
    assert.match(r.out, /- task: AzureMLJob@1\n\s+name: train\n\s+displayName: Train samples\/training\/job\.yml/);
    assert.ok(!r.out.includes('AzureMLModel@1'), 'register=false leaves the registration out');
    assert.match(r.out, /azureSubscription: azureml-service-connection/);
    assert.ok(!r.out.includes('Starting the embedded Azure emulator'));
  });

  it('rehearses deployments with an approval on prod (samples/deployment-strategies.yml)', () => {
    const dir = tempDir();
    const report = path.join(dir, 'report.json');
    const approved = cli(['samples/deployment-strategies.yml', '--environments', 'samples/environments.yml', '--approve', 'prod', '--connection', connectionFile(dir), '--report', report]);
    assert.equal(approved.code, 0, approved.out);
    assert.match(approved.out, /Deploying scoring-cpu:\S+ to dev with runOnce/);
    assert.match(approved.out, /Deploying scoring-cpu:\S+ for 50% of the traffic/);
    assert.match(approved.out, /Promoting \(promote\) green to 100%/);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(report, 'utf8')).deployments), ['dev', 'prod']);
    const rejected = cli(['samples/deployment-strategies.yml', '--environments', 'samples/environments.yml', '--reject', 'prod', '--connection', connectionFile(dir)]);
    assert.equal(rejected.code, 1, rejected.out);
    assert.match(rejected.out, /Stage Prod does not run: the check on environment 'prod' did not pass \(rejected from the command line \(--reject prod\)\)/);
    assert.ok(!rejected.out.includes('green to 100%'));
  });

  it('exits 1 when a step fails and names bad options', () => {
    const dir = tempDir();
    const file = path.join(dir, 'fails.yml');
    fs.writeFileSync(file, 'steps:\n  - script: exit 3\n');
    assert.equal(cli([file, '--connection', connectionFile(dir)]).code, 1);
    const bad = cli([file, '--auth', 'password']);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /--auth password: choose one of secret, certificate, federated, managedIdentity, imds, imdsUserAssigned, reader/);
  });
});
