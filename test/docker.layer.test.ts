// The docker target on Pulumi's mock runtime: the real program (stacks/program.ts) through runOffline, the same
// path `npm run plan` takes. Asserts what the containers get, not just that they exist.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { IMAGES } from "../components/catalog";
import { FILE_PATHS, LITELLM_CONFIG_PATH } from "../components/render";
import { hex } from "../bin/offline/mockOutputs";
import { runOffline, SECRET_MASK, type PlannedResource } from "../bin/offline/run";
import { parseStackFile, readStackFile, type StackConfig } from "../bin/offline/stackFile";

const ROOT = join(__dirname, "..");
const devConfig = () => readStackFile(join(ROOT, "stacks", "Pulumi.dev.yaml"));
const devLayer = () =>
  parse(readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")).config["ai-layer:layer"];

function withLayer(patch: (layer: any) => void, extra: Record<string, unknown> = {}): StackConfig {
  const layer = structuredClone(devLayer());
  patch(layer);
  return parseStackFile(JSON.stringify({ config: { "ai-layer:layer": layer, ...extra } }));
}

type Inputs = Record<string, any>;
const containers = (rs: PlannedResource[]) => rs.filter((r) => r.type === "docker:index/container:Container");
const label = (c: PlannedResource, key: string) =>
  ((c.inputs as Inputs).labels as { label: string; value: string }[]).find((l) => l.label === key)?.value;
const byService = (rs: PlannedResource[], service: string) => {
  const found = containers(rs).filter((c) => label(c, "ai-layer.service") === service);
  expect(found, `one container for ${service}`).toHaveLength(1);
  return found[0]!.inputs as Inputs;
};

describe("docker target: the dev stack", async () => {
  const result = await runOffline("dev", devConfig());
  const rs = result.resources;

  it("creates the six services, each on the layer network under its alias", () => {
    const network = rs.find((r) => r.type === "docker:index/network:Network")!;
    const networkName = `${network.name}-${hex(`docker:index/network:Network::${network.name}`, 7)}`;
    const expected = {
      ollama: "ollama",
      gateway: "litellm",
      cache: "redis",
      "cache-exporter": "redis-exporter",
      prometheus: "prometheus",
      grafana: "grafana",
    };
    for (const [service, alias] of Object.entries(expected)) {
      expect(byService(rs, service).networksAdvanced).toEqual([{ name: networkName, aliases: [alias] }]);
    }
    expect(containers(rs)).toHaveLength(6);
  });

  it("runs every container from its pinned RemoteImage (the mocked image id reaches the container)", () => {
    const images = rs.filter((r) => r.type === "docker:index/remoteImage:RemoteImage");
    for (const c of containers(rs)) {
      const ref = label(c, "ai-layer.image")!;
      expect(Object.values(IMAGES)).toContain(ref);
      expect(ref).toMatch(/:[\w.-]+$/);
      expect(ref).not.toMatch(/:(latest|main-latest|main-stable)$/);
      const image = images.find((i) => (i.inputs as Inputs).name === ref)!;
      expect(image, `RemoteImage for ${ref}`).toBeDefined();
      expect((c.inputs as Inputs).image).toBe(
        `sha256:${hex(`docker:index/remoteImage:RemoteImage::${image.name}`, 64)}`,
      );
    }
  });

  it("serves Ollama, healthy once it answers; the models are pulled by the pull step with the pull timeout", () => {
    const ollama = byService(rs, "ollama");
    expect(ollama.entrypoints).toEqual(["/bin/ollama"]);
    expect(ollama.command).toEqual(["serve"]);
    expect(ollama.uploads).toBeUndefined();
    expect(ollama.wait).toBe(true);
    expect(ollama.healthcheck.tests).toEqual(["CMD", "/bin/ollama", "list"]);
    const script = result.files.find((f) => f.path === FILE_PATHS.ollamaPull)!.content;
    expect(script).toContain('TAGS = ["llama3.1:8b","llama3.2:3b","nomic-embed-text"]');
    expect(script).toContain("DEADLINE = time.monotonic() + 3600");
    expect(ollama.envs).toContain("OLLAMA_CONTEXT_LENGTH=8192");
    expect(ollama.deviceRequests).toBeUndefined();
    expect(ollama.ports).toBeUndefined();
  });

  it("uploads the rendered LiteLLM config and publishes the gateway on loopback", () => {
    const gateway = byService(rs, "gateway");
    const config = result.files.find((f) => f.path === FILE_PATHS.litellmConfig)!.content;
    expect(gateway.uploads).toEqual([{ file: LITELLM_CONFIG_PATH, content: config }]);
    expect(gateway.command).toEqual([
      "--config",
      LITELLM_CONFIG_PATH,
      "--port",
      "4000",
      "--num_workers",
      "1",
    ]);
    expect(gateway.ports).toEqual([{ internal: 4000, external: 4000, ip: "127.0.0.1" }]);
    expect(gateway.envs).toBe(SECRET_MASK);
    expect(gateway.healthcheck.tests.join(" ")).toContain("/health/liveliness");
  });

  it("gives Redis the rendered config, a memory limit above maxmemory, and the password only through env", () => {
    const redis = byService(rs, "cache");
    expect(redis.uploads[0].content).toContain("maxmemory 256mb");
    expect(redis.memory).toBeGreaterThan(256);
    expect(redis.entrypoints.join(" ")).toContain('--requirepass "$REDIS_PASSWORD"');
    expect(redis.envs).toBe(SECRET_MASK);
  });

  it("publishes Prometheus and Grafana and provisions the datasource and the dashboards", () => {
    const prom = byService(rs, "prometheus");
    expect(prom.ports).toEqual([{ internal: 9090, external: 9090, ip: "127.0.0.1" }]);
    expect(prom.entrypoints[2]).toContain("--storage.tsdb.retention.time=15d");
    const grafana = byService(rs, "grafana");
    // Overview, gateway, Redis (the cache is on) and cost: every dashboard the dev plan renders.
    expect(grafana.uploads.map((u: Inputs) => u.file).sort()).toEqual([
      "/etc/grafana/dashboards/cost.json",
      "/etc/grafana/dashboards/gateway.json",
      "/etc/grafana/dashboards/overview.json",
      "/etc/grafana/dashboards/redis.json",
      "/etc/grafana/provisioning/dashboards/ai-layer.yaml",
      "/etc/grafana/provisioning/datasources/ai-layer.yaml",
    ]);
  });

  it("generates the three secrets and exports the master key only as a secret", () => {
    const passwords = rs
      .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
      .map((r) => r.name);
    expect(passwords.sort()).toEqual([
      "ai-layer-gatewayMasterKey",
      "ai-layer-grafanaAdminPassword",
      "ai-layer-redisPassword",
    ]);
    expect(result.outputs.gatewayMasterKey).toBe(SECRET_MASK);
    expect(result.outputs.grafanaAdminPassword).toBe(SECRET_MASK);
    expect(result.outputs).toMatchObject({
      gatewayUrl: "http://127.0.0.1:4000",
      openaiBaseUrl: "http://127.0.0.1:4000/v1",
      grafanaUrl: "http://127.0.0.1:3000",
      prometheusUrl: "http://127.0.0.1:9090",
      models: ["chat", "chat-small", "embed"],
    });
  });

  it("records parents: components under the layer, containers under their component", () => {
    const parentOf = (name: string) => rs.find((r) => r.name === name)!.parent;
    expect(parentOf("ai-layer")).toBeNull();
    expect(parentOf("ai-layer-gateway")).toBe("ai-layer");
    expect(
      rs.find((r) => r.type === "docker:index/container:Container" && r.name === "ai-layer-gateway")!.parent,
    ).toBe("ai-layer-gateway");
    expect(parentOf("ai-layer-monitoring-grafana")).toBe("ai-layer-monitoring");
  });
});

describe("docker target: config variants", () => {
  it("hands GPUs to Ollama with an NVIDIA device request", async () => {
    const { resources } = await runOffline(
      "gpu",
      withLayer((l) => (l.target.gpu = { type: "L4", count: 2 })),
    );
    expect(byService(resources, "ollama").deviceRequests).toEqual([
      { driver: "nvidia", count: 2, capabilities: ["gpu"] },
    ]);
  });

  it("talks to a remote Docker host through an explicit provider", async () => {
    const { resources } = await runOffline(
      "remote",
      withLayer((l) => (l.target.host = "ssh://me@gpu-box")),
    );
    const provider = resources.find((r) => r.type === "pulumi:providers:docker")!;
    expect((provider.inputs as Inputs).host).toBe("ssh://me@gpu-box");
  });

  it("follows configured host ports and bind address", async () => {
    const { resources, outputs } = await runOffline(
      "ports",
      withLayer(
        (l) =>
          (l.target = { kind: "docker", bindAddress: "0.0.0.0", ports: { gateway: 8080, grafana: 3001 } }),
      ),
    );
    expect(byService(resources, "gateway").ports).toEqual([
      { internal: 4000, external: 8080, ip: "0.0.0.0" },
    ]);
    expect(byService(resources, "grafana").ports).toEqual([
      { internal: 3000, external: 3001, ip: "0.0.0.0" },
    ]);
    expect(outputs.gatewayUrl).toBe("http://localhost:8080");
  });

  it("drops Redis, its exporter and its password when the cache is off", async () => {
    const { resources, files } = await runOffline(
      "nocache",
      withLayer((l) => (l.cache = { enabled: false })),
    );
    expect(
      containers(resources)
        .map((c) => label(c, "ai-layer.service"))
        .sort(),
    ).toEqual(["gateway", "grafana", "ollama", "prometheus"]);
    expect(resources.some((r) => r.name === "ai-layer-redisPassword")).toBe(false);
    expect(files.find((f) => f.path === FILE_PATHS.litellmConfig)!.content).not.toContain("cache_params");
    expect(files.some((f) => f.path === FILE_PATHS.redisConf)).toBe(false);
  });

  it("drops Prometheus and Grafana when monitoring is off", async () => {
    const { resources, outputs } = await runOffline(
      "nomon",
      withLayer((l) => (l.monitoring = { enabled: false })),
    );
    expect(
      containers(resources)
        .map((c) => label(c, "ai-layer.service"))
        .sort(),
    ).toEqual(["cache", "cache-exporter", "gateway", "ollama"]);
    expect(outputs.grafanaUrl).toBeUndefined();
    expect(outputs.grafanaAdminPassword).toBeUndefined();
  });

  it("uses secrets from config instead of generating them", async () => {
    const { resources } = await runOffline(
      "secrets",
      withLayer(() => undefined, {
        "ai-layer:gatewayMasterKey": { secure: "v1:abc" },
        "ai-layer:redisPassword": "plain-but-secret-key",
      }),
    );
    const generated = resources
      .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
      .map((r) => r.name);
    expect(generated).toEqual(["ai-layer-grafanaAdminPassword"]);
    expect(JSON.stringify(resources)).not.toContain("plain-but-secret-key");
  });
});
