import { strict as assert } from "node:assert";
import { armScope, resolveCloud } from "../../tasks/common/azure/clouds";
import { UserError } from "../../tasks/common/platform/userError";
import { RoutingHttpClient } from "../common/fakes";

describe("clouds", () => {
  const cases: Array<[string, string, string, string, string]> = [
    ["AzureCloud", "https://management.azure.com/", "https://login.microsoftonline.com/", "https://management.core.windows.net/.default", "https://ml.azure.com/"],
    ["AzureUSGovernment", "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us/", "https://management.core.usgovcloudapi.net/.default", "https://ml.azure.us/"],
    ["AzureChinaCloud", "https://management.chinacloudapi.cn/", "https://login.chinacloudapi.cn/", "https://management.core.chinacloudapi.cn/.default", "https://ml.azure.cn/"],
  ];
  for (const [environment, arm, authority, scope, studio] of cases) {
    it(`${environment}: built-in endpoints, no discovery call`, async () => {
      const http = new RoutingHttpClient();
      const cloud = await resolveCloud({ environment }, http);
      assert.equal(cloud.resourceManagerUrl, arm);
      assert.equal(cloud.authorityHost, authority);
      assert.equal(armScope(cloud), scope);
      assert.equal(cloud.studioUrl, studio);
      assert.equal(cloud.isCustom, false);
      assert.deepEqual(http.requests, []);
    });
  }

  it("defaults to AzureCloud and keeps the connection's ARM URL", async () => {
    const cloud = await resolveCloud({ resourceManagerUrl: "https://management.azure.com" }, new RoutingHttpClient());
    assert.equal(cloud.name, "AzureCloud");
    assert.equal(cloud.resourceManagerUrl, "https://management.azure.com/");
  });

  it("discovers a custom (Azure Stack) cloud from ARM metadata", async () => {
    const http = new RoutingHttpClient().on("GET", /^https:\/\/management\.local\.azurestack\.external\/metadata\/endpoints\?api-version=2015-01-01$/, {
      status: 200,
      body: {
        portalEndpoint: "https://portal.local.azurestack.external/",
        authentication: { loginEndpoint: "https://login.microsoftonline.com/", audiences: ["https://management.contoso.onmicrosoft.com/abc"] },
      },
    });
    const cloud = await resolveCloud({ environment: "AzureStack", resourceManagerUrl: "https://management.local.azurestack.external" }, http);
    assert.equal(cloud.resourceManagerUrl, "https://management.local.azurestack.external/");
    assert.equal(cloud.authorityHost, "https://login.microsoftonline.com/");
    assert.equal(armScope(cloud), "https://management.contoso.onmicrosoft.com/abc/.default");
    assert.equal(cloud.isCustom, true);
    assert.equal(cloud.isAdfs, false);
  });

  it("recognises an AD FS login endpoint", async () => {
    const http = new RoutingHttpClient().on("GET", /metadata\/endpoints/, {
      status: 200,
      body: { authentication: { loginEndpoint: "https://adfs.local.azurestack.external/adfs/", audiences: ["https://management.adfs.azurestack.local/x"] } },
    });
    const cloud = await resolveCloud({ environment: "AzureStack", resourceManagerUrl: "https://management.local.azurestack.external/" }, http);
    assert.equal(cloud.isAdfs, true);
    assert.equal(cloud.authorityHost, "https://adfs.local.azurestack.external/");
  });

  it("uses the connection's authority and audience without discovery when both are given", async () => {
    const http = new RoutingHttpClient();
    const cloud = await resolveCloud({ environment: "AzureStack", resourceManagerUrl: "https://arm.contoso/", authorityUrl: "https://login.contoso/", armAudience: "https://arm.contoso/" }, http);
    assert.equal(cloud.authorityHost, "https://login.contoso/");
    assert.deepEqual(http.requests, []);
  });

  it("names the metadata URL when discovery fails", async () => {
    const http = new RoutingHttpClient().on("GET", /metadata/, { status: 500, body: "boom" });
    await assert.rejects(resolveCloud({ environment: "AzureStack", resourceManagerUrl: "https://arm.contoso/" }, http), (error: Error) => error instanceof UserError && error.message.includes("https://arm.contoso/metadata/endpoints?api-version=2015-01-01"));
  });

  it("refuses an unknown environment without a URL", async () => {
    await assert.rejects(resolveCloud({ environment: "Mars" }, new RoutingHttpClient()), /"Mars" is not a known Azure cloud/);
  });
});
