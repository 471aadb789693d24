// The environment a task process gets, compared with what the agent sets (Handler.cs) and what
// task-lib and azure-arm-rest read, for each service connection scheme.
import * as assert from 'node:assert/strict';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { azureTargetFromEnvironment, emulatorTarget, endpointIdFor, type EmulatorConnection } from '../../runner/serviceConnection';
import { fakeCaCertificate, runYaml, tempDir, type FakeTask } from './helpers';

/** Dumps its whole environment to the file named by its outFile input. */
const envDumper: FakeTask = {
  name: 'EnvDump',
  inputs: [
    { name: 'azureSubscription', type: 'connectedService:AzureRM', aliases: ['connectedServiceNameARM'] },
    { name: 'outFile', type: 'string' },
    { name: 'mode', type: 'pickList', defaultValue: 'check' },
    { name: 'Config File', type: 'filePath' },
    { name: 'specFile', type: 'filePath' },
    { name: 'absoluteFile', type: 'filePath' },
  ],
  script: `require('fs').writeFileSync(process.env.INPUT_OUTFILE, JSON.stringify(process.env));`,
};

function fakeConnection(dir: string): EmulatorConnection {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  fs.writeFileSync(path.join(dir, 'federation-key.pem'), keyPem);
  fs.writeFileSync(path.join(dir, 'cert.pem'), `-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n${keyPem}`);
  return {
    proxyUrl: 'http://127.0.0.1:4000',
    caCertFile: fakeCaCertificate(),
    tenantId: 'tenant-1',
    subscriptionId: 'sub-1',
    resourceGroupName: 'rg-1',
    workspaceName: 'ws-1',
    location: 'westeurope',
    adminUrl: 'http://127.0.0.1:4001',
    storageAccountName: 'devstoreaccount1',
    secret: { clientId: 'secret-client', clientSecret: 'secret-value-1', objectId: 'secret-object' },
    certificate: { clientId: 'cert-client', certificateFile: path.join(dir, 'cert.pem'), objectId: 'cert-object' },
    federated: { clientId: 'fed-client', objectId: 'fed-object', issuer: 'https://vstoken.dev.azure.com/org-1', subject: 'sc://local/azureml/conn', audience: 'api://AzureADTokenExchange', signingKeyFile: path.join(dir, 'federation-key.pem'), keyId: 'key-1' },
    managedIdentity: { endpoint: 'http://127.0.0.1:4002/msi/token', header: 'msi-header-secret', clientId: 'mi-client', objectId: 'mi-object' },
    imds: {
      authorityHost: 'http://127.169.254.254:4003',
      systemAssigned: { clientId: 'mi-client', objectId: 'mi-object' },
      userAssigned: { clientId: 'uami-client', objectId: 'uami-object', resourceId: '/subscriptions/sub-1/resourcegroups/rg-1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami' },
    },
    reader: { clientId: 'reader-client', clientSecret: 'reader-secret-1', objectId: 'reader-object' },
  };
}

const pipeline = (outFile: string) => `
stages:
  - stage: Check
    jobs:
      - job: Workspace
        steps:
          - task: EnvDump@1
            name: dump
            displayName: Dump the environment
            inputs:
              connectedServiceNameARM: my-azure-connection
              outFile: ${outFile}
              specFile: specs/compute.yml
              absoluteFile: /etc/hosts
          - script: env > ${outFile}.script
`;

async function taskEnvironment(auth: Parameters<typeof emulatorTarget>[1]) {
  const dir = tempDir();
  const connection = fakeConnection(dir);
  const outFile = path.join(dir, 'env.json');
  const r = await runYaml(pipeline(outFile), { tasks: [envDumper], target: emulatorTarget(connection, auth) });
  assert.equal(r.result, 'Succeeded', r.console);
  const env = JSON.parse(fs.readFileSync(outFile, 'utf8')) as Record<string, string>;
  const scriptEnv = Object.fromEntries(
    fs
      .readFileSync(`${outFile}.script`, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { env, scriptEnv, connection, id: endpointIdFor('my-azure-connection'), r };
}

describe('runner: the agent environment of a task', () => {
  it('passes inputs (aliases, defaults) and the connection id, and the service principal endpoint as the agent does', async () => {
    const { env, id, connection } = await taskEnvironment('secret');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(env.INPUT_AZURESUBSCRIPTION, id);
    assert.equal(env.INPUT_MODE, 'check');
    // filePath inputs as TaskRunner.TranslateFilePathInput hands them over: empty and relative ones rooted at
    // System.DefaultWorkingDirectory, absolute ones unchanged.
    assert.ok(env.SYSTEM_DEFAULTWORKINGDIRECTORY);
    assert.equal(env.INPUT_CONFIG_FILE, env.SYSTEM_DEFAULTWORKINGDIRECTORY);
    assert.equal(env.INPUT_SPECFILE, path.join(env.SYSTEM_DEFAULTWORKINGDIRECTORY, 'specs', 'compute.yml'));
    assert.equal(env.INPUT_ABSOLUTEFILE, '/etc/hosts');
    assert.equal(env[`ENDPOINT_URL_${id}`], 'https://management.azure.com/');
    assert.equal(env[`ENDPOINT_AUTH_SCHEME_${id}`], 'ServicePrincipal');
    assert.deepEqual(JSON.parse(env[`ENDPOINT_AUTH_${id}`]), {
      parameters: { authenticationType: 'spnKey', serviceprincipalid: 'secret-client', serviceprincipalkey: 'secret-value-1', tenantid: 'tenant-1' },
      scheme: 'ServicePrincipal',
    });
    assert.equal(env[`ENDPOINT_AUTH_PARAMETER_${id}_SERVICEPRINCIPALID`], 'secret-client');
    assert.equal(env[`ENDPOINT_AUTH_PARAMETER_${id}_SERVICEPRINCIPALKEY`], connection.secret.clientSecret);
    assert.equal(env[`ENDPOINT_AUTH_PARAMETER_${id}_TENANTID`], 'tenant-1');
    assert.equal(env[`ENDPOINT_AUTH_PARAMETER_${id}_AUTHENTICATIONTYPE`], 'spnKey');
    assert.equal(env[`ENDPOINT_DATA_${id}_SUBSCRIPTIONID`], 'sub-1');
    assert.equal(env[`ENDPOINT_DATA_${id}_ENVIRONMENT`], 'AzureCloud');
    assert.equal(env[`ENDPOINT_DATA_${id}_SUBSCRIPTIONNAME`], 'Azure ML emulator');
  });

  it('sets the agent variables, the proxy settings for tasks and proxy variables for scripts only', async () => {
    const { env, scriptEnv, connection } = await taskEnvironment('secret');
    assert.equal(env.AGENT_PROXYURL, connection.proxyUrl);
    assert.deepEqual(JSON.parse(env.AGENT_PROXYBYPASSLIST), ['127\\.0\\.0\\.1', 'localhost']);
    // The agent trusts the emulator's CA and the runner's loopback Azure DevOps certificate.
    const trusted = fs.readFileSync(env.AGENT_CAINFO, 'utf8');
    assert.ok(trusted.startsWith(fs.readFileSync(connection.caCertFile, 'utf8').trimEnd()));
    assert.equal(trusted.match(/BEGIN CERTIFICATE/g)?.length, 2);
    assert.equal(env.NODE_EXTRA_CA_CERTS, env.AGENT_CAINFO);
    assert.equal(env.HTTPS_PROXY, undefined);
    assert.equal(scriptEnv.HTTPS_PROXY, connection.proxyUrl);
    assert.equal(scriptEnv.NO_PROXY, '127.0.0.1,localhost');
    assert.equal(scriptEnv.REQUESTS_CA_BUNDLE, env.AGENT_CAINFO);
    assert.equal(env.SYSTEM_HOSTTYPE, 'build');
    assert.equal(env.SYSTEM_PHASENAME, 'Workspace');
    assert.equal(env.SYSTEM_STAGENAME, 'Check');
    assert.equal(env.SYSTEM_JOBATTEMPT, '1');
    assert.equal(env.AGENT_JOBSTATUS, 'Succeeded');
    assert.equal(path.basename(path.dirname(env.AGENT_TEMPDIRECTORY)), '_temp');
    assert.ok(!fs.existsSync(env.AGENT_TEMPDIRECTORY), 'the job temp directory is cleaned after the job');
    assert.match(env.SYSTEM_TEAMFOUNDATIONCOLLECTIONURI, /^https:\/\/127\.0\.0\.1:\d+\/local\/$/);
    assert.match(env.SYSTEM_OIDCREQUESTURI, /\/_apis\/distributedtask\/hubs\/build\/plans\/[0-9a-f-]+\/jobs\/[0-9a-f-]+\/oidctoken$/);
    assert.ok(env.SECRET_SYSTEM_ACCESSTOKEN.length > 20);
    assert.equal(env.SYSTEM_ACCESSTOKEN, undefined, 'secrets reach tasks only as SECRET_*');
    assert.equal(env.ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN, env.SECRET_SYSTEM_ACCESSTOKEN);
    assert.ok(JSON.parse(env.VSTS_SECRET_VARIABLES).includes('System.AccessToken'));
    assert.ok(JSON.parse(env.VSTS_PUBLIC_VARIABLES).includes('Build.BuildId'));
    assert.equal(scriptEnv.SECRET_SYSTEM_ACCESSTOKEN, undefined);
  });

  it('names the step instance like the agent: name, a GUID per step, display name', async () => {
    const { env, scriptEnv } = await taskEnvironment('secret');
    assert.equal(env.SYSTEM_TASKINSTANCENAME, 'dump');
    assert.equal(env.SYSTEM_TASKDISPLAYNAME, 'Dump the environment');
    assert.match(env.SYSTEM_TASKINSTANCEID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(scriptEnv.SYSTEM_TASKINSTANCENAME, 'CmdLine');
    assert.notEqual(scriptEnv.SYSTEM_TASKINSTANCEID, env.SYSTEM_TASKINSTANCEID);
  });

  it('hands the certificate connection its PEM and masks the key', async () => {
    const { env, id, connection, r } = await taskEnvironment('certificate');
    const params = JSON.parse(env[`ENDPOINT_AUTH_${id}`]).parameters;
    assert.equal(params.authenticationType, 'spnCertificate');
    assert.equal(params.servicePrincipalCertificate, fs.readFileSync(connection.certificate.certificateFile, 'utf8'));
    assert.equal(env[`ENDPOINT_AUTH_PARAMETER_${id}_SERVICEPRINCIPALCERTIFICATE`], params.servicePrincipalCertificate);
    const keyLine = params.servicePrincipalCertificate.split('\n')[4];
    assert.ok(!r.reportText.includes(keyLine));
  });

  it('gives managed identity connections the machine identity endpoint', async () => {
    const { env, id } = await taskEnvironment('managedIdentity');
    assert.equal(env[`ENDPOINT_AUTH_SCHEME_${id}`], 'ManagedServiceIdentity');
    assert.deepEqual(JSON.parse(env[`ENDPOINT_AUTH_${id}`]), { parameters: { tenantid: 'tenant-1' }, scheme: 'ManagedServiceIdentity' });
    assert.equal(env.IDENTITY_ENDPOINT, 'http://127.0.0.1:4002/msi/token');
    assert.equal(env.IDENTITY_HEADER, 'msi-header-secret');
  });

  it('gives IMDS connections what a VM agent has: no identity variables, the IMDS stand-in as AZURE_POD_IDENTITY_AUTHORITY_HOST', async () => {
    const { env, id } = await taskEnvironment('imds');
    assert.deepEqual(JSON.parse(env[`ENDPOINT_AUTH_${id}`]), { parameters: { tenantid: 'tenant-1' }, scheme: 'ManagedServiceIdentity' });
    assert.equal(env.AZURE_POD_IDENTITY_AUTHORITY_HOST, 'http://127.169.254.254:4003');
    assert.equal(env.IDENTITY_ENDPOINT, undefined);
    assert.equal(env.IDENTITY_HEADER, undefined);
    assert.equal(env[`ENDPOINT_DATA_${id}_MSICLIENTID`], undefined);
  });

  it('names the user-assigned identity in the IMDS connection data (msiclientId)', async () => {
    const { env, id } = await taskEnvironment('imdsUserAssigned');
    assert.equal(env[`ENDPOINT_DATA_${id}_MSICLIENTID`], 'uami-client');
    assert.equal(JSON.parse(env[`ENDPOINT_DATA_${id}`]).msiclientId, 'uami-client');
  });

  it('serves System.OidcRequestUri for federated connections with a JWT from the trusted issuer', async () => {
    const dir = tempDir();
    const connection = fakeConnection(dir);
    const outFile = path.join(dir, 'oidc.json');
    const oidcClient: FakeTask = {
      name: 'Oidc',
      inputs: [{ name: 'azureSubscription', type: 'connectedService:AzureRM' }],
      script: `
const id = process.env.INPUT_AZURESUBSCRIPTION;
const token = process.env.SECRET_SYSTEM_ACCESSTOKEN;
const url = process.env.SYSTEM_OIDCREQUESTURI + '?api-version=7.1&serviceConnectionId=' + id;
(async () => {
  const ok = await fetch(url, { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' } });
  const bad = await fetch(url, { method: 'POST', headers: { Authorization: 'Bearer wrong' } });
  const other = await fetch(process.env.SYSTEM_OIDCREQUESTURI + '?api-version=7.1&serviceConnectionId=00000000-0000-0000-0000-000000000000', { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
  require('fs').writeFileSync(${JSON.stringify(outFile)}, JSON.stringify({ scheme: process.env['ENDPOINT_AUTH_SCHEME_' + id], auth: process.env['ENDPOINT_AUTH_' + id], status: ok.status, body: await ok.json(), bad: bad.status, other: other.status }));
})();
`,
    };
    const r = await runYaml(`steps:\n  - task: Oidc@1\n    inputs:\n      azureSubscription: fed-connection\n`, { tasks: [oidcClient], target: emulatorTarget(connection, 'federated') });
    assert.equal(r.result, 'Succeeded', r.console);
    const got = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    assert.equal(got.scheme, 'WorkloadIdentityFederation');
    assert.deepEqual(JSON.parse(got.auth).parameters, {
      serviceprincipalid: 'fed-client',
      tenantid: 'tenant-1',
      workloadIdentityFederationIssuer: connection.federated.issuer,
      workloadIdentityFederationSubject: connection.federated.subject,
    });
    assert.equal(got.status, 200);
    assert.equal(got.bad, 401);
    assert.equal(got.other, 400);
    const [header, payload, signature] = (got.body.oidcToken as string).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'RS256', typ: 'JWT', kid: 'key-1' });
    assert.equal(claims.iss, connection.federated.issuer);
    assert.equal(claims.sub, connection.federated.subject);
    assert.equal(claims.aud, 'api://AzureADTokenExchange');
    assert.ok(claims.exp - claims.iat <= 600);
    const key = createPublicKey(fs.readFileSync(connection.federated.signingKeyFile));
    assert.ok(createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(key, Buffer.from(signature, 'base64url')));
  });

  it('targets real Azure with --azure from the AZURE_* service principal, without proxy or CA', () => {
    const env = { AZURE_TENANT_ID: 't-1', AZURE_CLIENT_ID: 'c-1', AZURE_CLIENT_SECRET: 'azure-secret-9', AZURE_SUBSCRIPTION_ID: 's-1' };
    const target = azureTargetFromEnvironment(env, 'secret');
    assert.equal(target.kind, 'azure');
    assert.equal(target.proxy, undefined);
    assert.deepEqual(target.authParameters, { authenticationType: 'spnKey', serviceprincipalid: 'c-1', serviceprincipalkey: 'azure-secret-9', tenantid: 't-1' });
    assert.deepEqual(target.secrets, ['azure-secret-9']);
    assert.throws(() => azureTargetFromEnvironment({ ...env, AZURE_CLIENT_SECRET: '' }, 'secret'), /--azure needs AZURE_CLIENT_SECRET in the environment/);
    assert.throws(() => azureTargetFromEnvironment(env, 'federated'), /--azure supports --auth secret only/);
  });
});
