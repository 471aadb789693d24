import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as sinon from "sinon";
import { AuthenticationRequiredError, AzurePipelinesCredential } from "@azure/identity";
import { knownCloud, type CloudEndpoints } from "../../tasks/common/azure/clouds";
import { createConnectionCredential, explainSignInFailures, identityConstructors, maskingTokenResponses } from "../../tasks/common/azure/credentials";
import { readServiceConnection } from "../../tasks/common/azure/serviceConnection";
import { UserError } from "../../tasks/common/platform/userError";
import { RoutingHttpClient, fakeHost, printed, staticCredential, SUBSCRIPTION, TENANT, type FakeHostState } from "../common/fakes";

const CLIENT = "11111111-2222-3333-4444-555555555555";
const PEM = ["-----BEGIN CERTIFICATE-----", "MIIBszCCAVmgAwIBAgIUcertificatebody", "-----END CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----", "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49privatekeybody", "-----END PRIVATE KEY-----"].join("\n");
const azureCloud = knownCloud("AzureCloud") as CloudEndpoints;

function connectionState(scheme: string, parameters: Record<string, string>, data: Record<string, string> = {}, variables: Record<string, string> = {}): FakeHostState {
  return {
    variables,
    endpoints: {
      conn: { url: "https://management.azure.com/", auth: { scheme, parameters }, data: { subscriptionId: SUBSCRIPTION, subscriptionName: "Dev", environment: "AzureCloud", ...data } },
    },
  };
}

describe("service connection to credential", () => {
  let tempDir: string;
  beforeEach(() => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "azureml-cred-"));
    for (const name of Object.keys(identityConstructors) as Array<keyof typeof identityConstructors>) {
      sinon.stub(identityConstructors, name).returns(staticCredential);
    }
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(tempDir, { recursive: true, force: true });
    delete process.env.SYSTEM_OIDCREQUESTURI;
  });

  function build(state: FakeHostState) {
    const host = fakeHost(state);
    const connection = readServiceConnection(host, "conn");
    const result = createConnectionCredential(connection.auth, { host, cloud: azureCloud, httpClient: new RoutingHttpClient(), tempDirectory: tempDir });
    return { host, connection, result };
  }

  it("ServicePrincipal spnKey builds a client secret credential on the cloud's authority and masks the secret", () => {
    const { host, connection } = build(connectionState("ServicePrincipal", { serviceprincipalid: CLIENT, serviceprincipalkey: "s3cret-value!", tenantid: TENANT, authenticationType: "spnKey" }));
    const call = (identityConstructors.clientSecret as sinon.SinonStub).firstCall;
    assert.deepEqual(call.args.slice(0, 3), [TENANT, CLIENT, "s3cret-value!"]);
    assert.equal(call.args[3].authorityHost, "https://login.microsoftonline.com/");
    assert.equal(call.args[3].disableInstanceDiscovery, false);
    sinon.assert.calledWith(host.setSecret, "s3cret-value!");
    assert.equal(connection.subscriptionId, SUBSCRIPTION);
    assert.ok(printed(host).every((line) => !line.includes("s3cret-value!")));
  });

  it("ServicePrincipal spnCertificate writes the PEM to a private temp file, masks it line by line and removes it on dispose", () => {
    const { host, result } = build(connectionState("ServicePrincipal", { serviceprincipalid: CLIENT, tenantid: TENANT, authenticationType: "spnCertificate", servicePrincipalCertificate: PEM }));
    const certificatePath = (identityConstructors.clientCertificate as sinon.SinonStub).firstCall.args[2] as string;
    assert.equal(path.dirname(certificatePath), tempDir);
    assert.equal(fs.readFileSync(certificatePath, "utf8"), PEM);
    if (process.platform !== "win32") {
      assert.equal(fs.statSync(certificatePath).mode & 0o777, 0o600);
    }
    sinon.assert.calledWith(host.setSecret, "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49privatekeybody");
    sinon.assert.neverCalledWith(host.setSecret, "-----BEGIN PRIVATE KEY-----");
    result.dispose();
    assert.equal(fs.existsSync(certificatePath), false);
  });

  it("rejects a certificate without a private key, naming what to upload", () => {
    const certOnly = PEM.split("-----BEGIN PRIVATE KEY-----")[0];
    assert.throws(() => build(connectionState("ServicePrincipal", { serviceprincipalid: CLIENT, tenantid: TENANT, authenticationType: "spnCertificate", servicePrincipalCertificate: certOnly })), (error: Error) => error instanceof UserError && /no private key/.test(error.message));
    assert.deepEqual(fs.readdirSync(tempDir), []);
  });

  it("ManagedServiceIdentity uses the system-assigned identity, or the user-assigned one the connection names", () => {
    build(connectionState("ManagedServiceIdentity", { tenantid: TENANT }));
    const userAssigned = build(connectionState("ManagedServiceIdentity", { tenantid: TENANT }, { msiclientId: CLIENT }));
    const calls = (identityConstructors.managedIdentity as sinon.SinonStub).getCalls();
    assert.equal(calls[0].args[0], undefined);
    assert.equal(calls[1].args[0], CLIENT);
    assert.match(userAssigned.result.description, /user-assigned managed identity 1111/);
  });

  it("WorkloadIdentityFederation builds AzurePipelinesCredential from the connection id, the job token and the OIDC endpoint", () => {
    const state = connectionState("WorkloadIdentityFederation", { serviceprincipalid: CLIENT, tenantid: TENANT }, {}, { "System.OidcRequestUri": "https://dev.azure.com/org/_apis/distributedtask/oidctoken" });
    state.endpoints!.SYSTEMVSSCONNECTION = { auth: { scheme: "OAuth", parameters: { AccessToken: "job-access-token" } } };
    const { host } = build(state);
    assert.deepEqual((identityConstructors.azurePipelines as sinon.SinonStub).firstCall.args.slice(0, 4), [TENANT, CLIENT, "conn", "job-access-token"]);
    assert.equal(process.env.SYSTEM_OIDCREQUESTURI, "https://dev.azure.com/org/_apis/distributedtask/oidctoken");
    sinon.assert.calledWith(host.setSecret, "job-access-token");
  });

  it("WorkloadIdentityFederation without an OIDC endpoint fails with an actionable message", () => {
    const state = connectionState("WorkloadIdentityFederation", { serviceprincipalid: CLIENT, tenantid: TENANT }, {}, { "System.AccessToken": "job-access-token" });
    assert.throws(() => build(state), (error: Error) => error instanceof UserError && /System\.OidcRequestUri/.test(error.message));
  });

  it("an unsupported scheme or a missing connection is a user error naming the connection", () => {
    assert.throws(() => build(connectionState("UsernamePassword", {})), /scheme 'UsernamePassword'/);
    assert.throws(() => readServiceConnection(fakeHost({}), "missing"), /'missing' was not found/);
  });

  it("AD FS clouds use the 'adfs' tenant and no instance discovery", () => {
    const host = fakeHost(connectionState("ServicePrincipal", { serviceprincipalid: CLIENT, serviceprincipalkey: "k", tenantid: TENANT }));
    const connection = readServiceConnection(host, "conn");
    const adfs: CloudEndpoints = { ...azureCloud, name: "AzureStack", authorityHost: "https://adfs.local.azurestack.external/", isAdfs: true, isCustom: true };
    createConnectionCredential(connection.auth, { host, cloud: adfs, httpClient: new RoutingHttpClient(), tempDirectory: tempDir });
    const call = (identityConstructors.clientSecret as sinon.SinonStub).firstCall;
    assert.equal(call.args[0], "adfs");
    assert.equal(call.args[3].disableInstanceDiscovery, true);
  });
});

describe("workload identity federation over hours", () => {
  afterEach(() => delete process.env.SYSTEM_OIDCREQUESTURI);

  it("requests a fresh OIDC token for every new access token, and masks both", async () => {
    process.env.SYSTEM_OIDCREQUESTURI = "https://dev.azure.com/org/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken";
    let oidcCount = 0;
    const assertions: string[] = [];
    const http = new RoutingHttpClient()
      .on("POST", /oidctoken\?api-version=7\.1&serviceConnectionId=conn$/, (request) => {
        assert.equal(request.headers.get("authorization"), "Bearer job-access-token");
        return { status: 200, body: { oidcToken: `oidc-token-${++oidcCount}` } };
      })
      .on("POST", new RegExp(`login\\.microsoftonline\\.com/${TENANT}/oauth2/v2\\.0/token`), (request) => {
        // Each token request must carry the newest OIDC token, not one cached from an earlier request.
        assertions.push(new URLSearchParams(String(request.body)).get("client_assertion") ?? "");
        // One minute of validity: inside MSAL's refresh window, so the next call needs a new token.
        return { status: 200, body: { token_type: "Bearer", access_token: `access-token-${assertions.length}`, expires_in: 60 } };
      });
    const host = fakeHost();
    const credential = new AzurePipelinesCredential(TENANT, CLIENT, "conn", "job-access-token", { httpClient: maskingTokenResponses(http, host) });
    const first = await credential.getToken("https://management.core.windows.net//.default");
    const oidcTokensBeforeSecond = oidcCount;
    const second = await credential.getToken("https://management.core.windows.net//.default");
    assert.equal(first?.token, "access-token-1");
    assert.equal(second?.token, "access-token-2");
    assert.equal(assertions.length, 2);
    // The second access token was bought with an OIDC token fetched after the first one was issued.
    assert.ok(Number(assertions[1].replace("oidc-token-", "")) > oidcTokensBeforeSecond, `stale OIDC token reused: ${assertions.join(", ")}`);
    for (const secret of [...assertions, "access-token-1", "access-token-2"]) {
      sinon.assert.calledWith(host.setSecret, secret);
    }
  });
});

describe("managed identity on the agent", () => {
  const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("asks the local identity endpoint for the user-assigned identity's token through the task's HTTP client, and masks it", async () => {
    process.env.IDENTITY_ENDPOINT = "http://127.0.0.1:41234/msi/token";
    process.env.IDENTITY_HEADER = "identity-header";
    const http = new RoutingHttpClient().on("GET", /^http:\/\/127\.0\.0\.1:41234\/msi\/token\?/, () => {
      return { status: 200, body: { access_token: "mi-access-token", expires_on: String(Math.floor(Date.now() / 1000) + 3600), resource: "https://management.core.windows.net/", token_type: "Bearer" } };
    });
    const host = fakeHost();
    const { credential } = createConnectionCredential({ kind: "ManagedIdentity", clientId: CLIENT }, { host, cloud: azureCloud, httpClient: http });
    const token = await credential.getToken("https://management.core.windows.net/.default");
    assert.equal(token?.token, "mi-access-token");
    assert.equal(http.requests.length, 1);
    const query = new URL(http.requests[0].url).searchParams;
    assert.equal(query.get("client_id"), CLIENT);
    assert.match(query.get("resource") ?? "", /^https:\/\/management\.core\.windows\.net\/?$/);
    sinon.assert.calledWith(host.setSecret, "mi-access-token");
  });
});

describe("sign-in failures", () => {
  const failing = (error: unknown) => explainSignInFailures({ getToken: () => Promise.reject(error) }, "service principal c1 (client secret)", "https://login.microsoftonline.com/", "Check that the secret has not expired.");
  const failure = async (error: unknown): Promise<Error> => failing(error).getToken("https://management.azure.com/.default").then(() => assert.fail("no error"), (e: Error) => e);

  it("tells an unreachable login host (MSAL network_error, socket errors) from a rejected credential", async () => {
    // What @azure/identity throws when the login host cannot be reached through the proxy.
    const unreachable = await failure(new AuthenticationRequiredError({ scopes: [], message: "network_error: See https://aka.ms/msal.js.errors#network_error for details" }));
    assert.ok(unreachable instanceof UserError);
    assert.match(unreachable.message, /^Cannot reach the Azure sign-in endpoint https:\/\/login\.microsoftonline\.com\/ for service principal c1/);
    assert.match(unreachable.message, /proxy settings \(Agent\.ProxyUrl\), firewall and DNS/);
    assert.doesNotMatch(unreachable.message, /expired/);
    const refused = await failure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" }));
    assert.match(refused.message, /^Cannot reach the Azure sign-in endpoint/);
  });

  it("keeps the credential advice for rejections", async () => {
    const rejected = await failure(new Error("AADSTS7000215: Invalid client secret provided."));
    assert.match(rejected.message, /^Azure sign-in failed for service principal c1 .*: AADSTS7000215: Invalid client secret provided\.\nCheck that the secret has not expired\.$/);
  });
});
