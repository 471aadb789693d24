import { strict as assert } from "node:assert";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as fs from "node:fs";
import * as sinon from "sinon";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import { bypassFromNoProxy, bypassFromPatterns, createHttpClient, readNetworkSettings } from "../../tasks/common/azure/network";
import { fakeHost } from "../common/fakes";
import { createLoopbackCertificate, type LoopbackCertificate } from "../common/loopbackTls";

interface ProxyLog {
  forwarded: string[];
  tunnels: string[];
  authorizations: string[];
}

/** A forward proxy on loopback: absolute-form HTTP requests and CONNECT tunnels, both only to 127.0.0.1. */
function startProxy(): Promise<{ server: http.Server; url: string; log: ProxyLog }> {
  const log: ProxyLog = { forwarded: [], tunnels: [], authorizations: [] };
  const server = http.createServer((request, response) => {
    log.forwarded.push(request.url ?? "");
    log.authorizations.push(String(request.headers["proxy-authorization"] ?? ""));
    const target = new URL(request.url ?? "");
    const upstream = http.request({ host: "127.0.0.1", port: target.port, path: target.pathname + target.search, method: request.method, headers: request.headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    });
    request.pipe(upstream);
  });
  server.on("connect", (request: http.IncomingMessage, socket: net.Socket) => {
    log.tunnels.push(request.url ?? "");
    log.authorizations.push(String(request.headers["proxy-authorization"] ?? ""));
    const port = Number((request.url ?? "").split(":").pop());
    const upstream = net.connect(port, "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log })));
}

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

const answer = (_request: http.IncomingMessage, response: http.ServerResponse): void => {
  response.writeHead(200, { "content-type": "text/plain", connection: "close" });
  response.end("direct-answer");
};

describe("network: agent proxy and certificates", () => {
  afterEach(() => sinon.restore());

  it("bypass patterns are regular expressions over the URL, like task-lib's", () => {
    const bypass = bypassFromPatterns(["127\\.0\\.0\\.1", "\\.internal\\.corp"]);
    assert.equal(bypass(new URL("http://127.0.0.1:8080/metadata/identity")), true);
    assert.equal(bypass(new URL("https://git.INTERNAL.corp/")), true);
    assert.equal(bypass(new URL("https://management.azure.com/")), false);
  });

  it("NO_PROXY entries match hosts and domain suffixes, with optional ports", () => {
    const bypass = bypassFromNoProxy("localhost,.corp.example, 10.0.0.5:8443");
    assert.equal(bypass(new URL("http://localhost:3000/")), true);
    assert.equal(bypass(new URL("https://build.corp.example/")), true);
    assert.equal(bypass(new URL("https://corp.example/")), true);
    assert.equal(bypass(new URL("https://10.0.0.5:8443/")), true);
    assert.equal(bypass(new URL("https://10.0.0.5/")), false);
    assert.equal(bypass(new URL("https://management.azure.com/")), false);
    assert.equal(bypassFromNoProxy("*")(new URL("https://anything/")), true);
  });

  it("reads the agent proxy with credentials and masks its password", () => {
    const host = fakeHost({ proxy: { proxyUrl: "http://proxy.corp:8888", username: "builder", password: "pr0xy-pass", bypassPatterns: [] } });
    const settings = readNetworkSettings(host);
    assert.equal(settings.proxy?.url.href, "http://builder:pr0xy-pass@proxy.corp:8888/");
    sinon.assert.calledWith(host.setSecret, "pr0xy-pass");
  });

  it("falls back to HTTPS_PROXY and NO_PROXY when the agent has no proxy configured", () => {
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTPS_PROXY = "http://envproxy:3128";
    process.env.NO_PROXY = ".blob.core.windows.net";
    try {
      const settings = readNetworkSettings(fakeHost());
      assert.equal(settings.proxy?.url.host, "envproxy:3128");
      assert.equal(settings.proxy?.bypass(new URL("https://acct.blob.core.windows.net/c")), true);
      assert.equal(settings.proxy?.bypass(new URL("https://management.azure.com/")), false);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("reads the environment through the host only", () => {
    const settings = readNetworkSettings(fakeHost({ env: { https_proxy: "http://user:s3cret@hostproxy:8080", no_proxy: "localhost" } }));
    assert.equal(settings.proxy?.url.host, "hostproxy:8080");
    assert.equal(settings.proxy?.bypass(new URL("http://localhost:1/")), true);
    assert.equal(readNetworkSettings(fakeHost({ env: {} })).proxy, undefined);
  });

  describe("on loopback", () => {
    let proxy: Awaited<ReturnType<typeof startProxy>>;
    let target: http.Server;
    let targetPort: number;
    beforeEach(async () => {
      proxy = await startProxy();
      target = http.createServer(answer);
      targetPort = await listen(target);
    });
    afterEach(() => {
      proxy.server.closeAllConnections();
      proxy.server.close();
      target.closeAllConnections();
      target.close();
    });

    it("sends requests through the agent proxy, with its credentials", async () => {
      const host = fakeHost({ proxy: { proxyUrl: proxy.url, username: "builder", password: "pr0xy-pass", bypassPatterns: ["\\.never\\.example"] } });
      const client = createHttpClient(readNetworkSettings(host));
      const response = await client.sendRequest(createPipelineRequest({ url: `http://127.0.0.1:${targetPort}/probe`, allowInsecureConnection: true }));
      assert.equal(response.bodyAsText, "direct-answer");
      assert.deepEqual(proxy.log.forwarded, [`http://127.0.0.1:${targetPort}/probe`]);
      assert.equal(proxy.log.authorizations[0], `Basic ${Buffer.from("builder:pr0xy-pass").toString("base64")}`);
    });

    it("goes direct for URLs on the bypass list (e.g. a loopback managed-identity endpoint)", async () => {
      const host = fakeHost({ proxy: { proxyUrl: proxy.url, bypassPatterns: ["127\\.0\\.0\\.1"] } });
      const client = createHttpClient(readNetworkSettings(host));
      const response = await client.sendRequest(createPipelineRequest({ url: `http://127.0.0.1:${targetPort}/metadata/identity/oauth2/token`, allowInsecureConnection: true }));
      assert.equal(response.bodyAsText, "direct-answer");
      assert.deepEqual(proxy.log.forwarded, []);
      assert.deepEqual(proxy.log.tunnels, []);
    });

    it("never sends IMDS requests through the proxy: 169.254.169.254 and the AZURE_POD_IDENTITY_AUTHORITY_HOST host go direct", async () => {
      // The agent's bypass list names neither (the usual case on a VM agent behind a proxy).
      const host = fakeHost({ proxy: { proxyUrl: proxy.url, bypassPatterns: ["\\.never\\.example"] }, env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: `http://127.0.0.1:${targetPort}` } });
      const settings = readNetworkSettings(host);
      assert.equal(settings.proxy?.bypass(new URL("http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01")), true);
      assert.equal(settings.proxy?.bypass(new URL("https://management.azure.com/")), false);
      assert.equal(settings.proxy?.bypass(new URL("http://127.0.0.1:1/elsewhere")), false, "only the pod identity host's own port");
      const client = createHttpClient(settings);
      const response = await client.sendRequest(createPipelineRequest({ url: `http://127.0.0.1:${targetPort}/metadata/identity/oauth2/token`, allowInsecureConnection: true }));
      assert.equal(response.bodyAsText, "direct-answer");
      assert.deepEqual(proxy.log.forwarded, []);
      assert.deepEqual(proxy.log.tunnels, []);
    });

    describe("HTTPS through a CONNECT tunnel", () => {
      let certificate: LoopbackCertificate;
      let secureTarget: https.Server;
      let securePort: number;
      before(() => {
        certificate = createLoopbackCertificate();
      });
      after(() => fs.rmSync(certificate.dir, { recursive: true, force: true }));
      beforeEach(async () => {
        secureTarget = https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, answer);
        securePort = await listen(secureTarget);
      });
      afterEach(() => {
        secureTarget.closeAllConnections();
        secureTarget.close();
      });

      it("trusts the agent's CA file (Agent.CAInfo) on tunnelled connections", async () => {
        const host = fakeHost({ proxy: { proxyUrl: proxy.url, bypassPatterns: [] }, certs: { caFile: certificate.certFile } });
        const client = createHttpClient(readNetworkSettings(host));
        const response = await client.sendRequest(createPipelineRequest({ url: `https://127.0.0.1:${securePort}/` }));
        assert.equal(response.bodyAsText, "direct-answer");
        assert.deepEqual(proxy.log.tunnels, [`127.0.0.1:${securePort}`]);
      });

      it("reuses a tunnel for the next request to the same host (keep-alive)", async () => {
        secureTarget.removeAllListeners("request").on("request", (_request: http.IncomingMessage, response: http.ServerResponse) => response.end("kept-alive"));
        const host = fakeHost({ proxy: { proxyUrl: proxy.url, bypassPatterns: [] }, certs: { caFile: certificate.certFile } });
        const client = createHttpClient(readNetworkSettings(host));
        for (let i = 0; i < 3; i++) assert.equal((await client.sendRequest(createPipelineRequest({ url: `https://127.0.0.1:${securePort}/${i}` }))).bodyAsText, "kept-alive");
        assert.deepEqual(proxy.log.tunnels, [`127.0.0.1:${securePort}`], "one CONNECT for three sequential requests");
      });

      it("refuses the server's certificate without the agent's CA", async () => {
        const client = createHttpClient(readNetworkSettings(fakeHost({ proxy: { proxyUrl: proxy.url, bypassPatterns: [] } })));
        await assert.rejects(client.sendRequest(createPipelineRequest({ url: `https://127.0.0.1:${securePort}/` })), /certificate/i);
      });
    });
  });
});
