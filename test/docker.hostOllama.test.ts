// The dev target with the host's own Ollama (target.ollama.on: host): what the offline plan registers and renders,
// and what the spec refuses. The pull script itself runs against a stub in ollamaPull.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runOffline } from "../bin/offline/run";
import { parseStackFile, type StackConfig } from "../bin/offline/stackFile";
import { renderSummary } from "../bin/offline/summary";
import { FILE_PATHS } from "../components/render";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { plan } from "../components/plan";

const ROOT = join(__dirname, "..");
const devLayer = () =>
  parse(readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")).config["ai-layer:layer"];
function withTarget(patch: Record<string, unknown>): StackConfig {
  const layer = structuredClone(devLayer());
  layer.target = { ...layer.target, ...patch };
  return parseStackFile(JSON.stringify({ config: { "ai-layer:layer": layer } }));
}
const problems = (patch: Record<string, unknown>) => {
  const layer = structuredClone(devLayer());
  layer.target = { ...layer.target, ...patch };
  try {
    plan(parseLayerSpec(layer), { stack: "dev" });
  } catch (e) {
    if (e instanceof LayerConfigError) return e.message;
    throw e;
  }
  return "";
};
type Inputs = Record<string, any>;
const containers = (rs: { type: string; name: string }[]) =>
  rs.filter((r) => r.type === "docker:index/container:Container").map((r) => r.name);
const gatewayContainer = (rs: { type: string; name: string; inputs: unknown }[]) =>
  rs.find((r) => r.type === "docker:index/container:Container" && r.name === "ai-layer-gateway")!
    .inputs as Inputs;

describe("docker target with the host's own Ollama", async () => {
  const mac = await runOffline("dev", withTarget({ ollama: { on: "host", memoryGiB: 21 } }));
  const container = await runOffline("dev", withTarget({}));

  it("runs no Ollama container and no model volume", () => {
    expect(containers(container.resources)).toContain("ai-layer-ollama");
    expect(containers(mac.resources)).not.toContain("ai-layer-ollama");
    expect(
      mac.resources.some((r) => r.type === "docker:index/volume:Volume" && r.name.includes("ollama")),
    ).toBe(false);
    expect(mac.files.map((f) => f.path)).toContain(FILE_PATHS.ollamaPull);
  });

  it("points the gateway at host.docker.internal, mapped to Docker's host-gateway, and sends num_ctx", () => {
    const config = parse(mac.files.find((f) => f.path === FILE_PATHS.litellmConfig)!.content);
    const ollamaEntries = config.model_list.filter((d: any) => d.litellm_params.model.startsWith("ollama"));
    expect(ollamaEntries.length).toBe(3);
    for (const d of ollamaEntries)
      expect(d.litellm_params.api_base).toBe("http://host.docker.internal:11434");
    const chat = ollamaEntries.find((d: any) => d.model_name === "chat");
    expect(chat.litellm_params.num_ctx).toBe(8192);
    expect(ollamaEntries.find((d: any) => d.model_name === "embed").litellm_params.num_ctx).toBeUndefined();
    const gateway = gatewayContainer(mac.resources);
    expect(gateway.hosts).toEqual([{ host: "host.docker.internal", ip: "host-gateway" }]);
    // The container path keeps its in-network Ollama and no hosts entry.
    const plain = gatewayContainer(container.resources);
    expect(plain.hosts).toBeUndefined();
  });

  it("pulls through the Ollama API from a gateway-image container on the layer network, as the gateway sees it", () => {
    for (const [r, url, hosts] of [
      [mac, "http://host.docker.internal:11434", " --add-host host.docker.internal:host-gateway"],
      [container, "http://ollama:11434", ""],
    ] as const) {
      const pull = r.resources.find((x) => x.type === "command:local:Command")!;
      const inputs = pull.inputs as Inputs;
      expect(pull.name).toBe("ai-layer-ollama-models-pull");
      expect(inputs.create).toBe(
        `command -v docker >/dev/null || { echo "ai-layer: the docker CLI is needed to pull the models (install Docker, or put docker on PATH)" >&2; exit 1; }; ` +
          `docker run --rm --network "$AI_LAYER_NETWORK"${hosts} -e AI_LAYER_OLLAMA_URL --entrypoint python3 "$AI_LAYER_PULL_IMAGE" -u -c "$AI_LAYER_PULL_SCRIPT"`,
      );
      const network = r.resources.find((x) => x.type === "docker:index/network:Network")!;
      expect(inputs.environment).toEqual({
        AI_LAYER_NETWORK: expect.stringContaining(network.name),
        AI_LAYER_PULL_IMAGE: r.plan.images.gateway,
        AI_LAYER_PULL_SCRIPT: r.files.find((f) => f.path === FILE_PATHS.ollamaPull)!.content,
        AI_LAYER_OLLAMA_URL: url,
      });
      expect(inputs.triggers).toEqual([url, "llama3.1:8b", "llama3.2:3b", "nomic-embed-text"]);
      expect(inputs.delete).toBeUndefined();
    }
  });

  it("an explicit url is used by both the gateway and the pull", async () => {
    const r = await runOffline(
      "dev",
      withTarget({ ollama: { on: "host", memoryGiB: 21, url: "http://172.17.0.1:11434" } }),
    );
    const pull = r.resources.find((x) => x.type === "command:local:Command")!.inputs as Inputs;
    expect(pull.environment.AI_LAYER_OLLAMA_URL).toBe("http://172.17.0.1:11434");
    expect(pull.create).not.toContain("--add-host");
    expect(gatewayContainer(r.resources).hosts).toBeUndefined();
  });

  it("the summary says where the models run", () => {
    const summary = renderSummary(mac.plan, mac.resources, mac.files);
    expect(summary).toContain(
      "the models run on the host's own Ollama (metal, 21 GiB for models; no Ollama container)",
    );
    expect(summary).toMatch(/\| chat \| ollama \|.*\| host Ollama \(metal\) \|/);
  });
});

describe("host Ollama config mistakes are refused with the path and the fix", () => {
  it("a model larger than the declared memory", () => {
    expect(problems({ ollama: { on: "host", memoryGiB: 4 } })).toMatch(
      /layer\.models\[0\]\.model: .*needs about 6\.8 GiB .*has 4 GiB \(layer\.target\.ollama\.memoryGiB\)/,
    );
  });
  it("container GPUs next to the host's Ollama", () => {
    expect(problems({ ollama: { on: "host", memoryGiB: 21 }, gpu: { type: "L4" } })).toMatch(
      /layer\.target\.gpu: .*remove target\.gpu/,
    );
  });
  it("URLs that are not an Ollama base URL, or carry credentials", () => {
    expect(problems({ ollama: { on: "host", memoryGiB: 21, url: "host:11434" } })).toMatch(
      /layer\.target\.ollama\.url: must (be a URL|start with http)/,
    );
    for (const url of ["http://127.0.0.1:11434", "http://localhost:11434", "http://[::1]:11434"])
      expect(problems({ ollama: { on: "host", memoryGiB: 21, url } })).toMatch(
        /layer\.target\.ollama\.url: is read inside the gateway's container, where loopback is the container itself: use http:\/\/host\.docker\.internal:11434/,
      );
    expect(problems({ ollama: { on: "host", memoryGiB: 21, url: "http://a:b@host:11434" } })).toMatch(
      /layer\.target\.ollama\.url: must not hold credentials/,
    );
    expect(problems({ ollama: { on: "host", memoryGiB: 21, url: "http://127.0.0.1:11434/api" } })).toMatch(
      /layer\.target\.ollama\.url: must be the server's base URL/,
    );
  });
  it("a typo'd key and a missing memoryGiB", () => {
    expect(problems({ ollama: { on: "host", memoryGib: 21 } })).toMatch(/layer\.target\.ollama/);
    expect(problems({ ollama: { on: "laptop" } })).toMatch(/layer\.target\.ollama\.on/);
  });
});

describe("README: day one on a Mac", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Day one on a Mac"), readme.indexOf("## Two commands"));

  it("comes first and fits on one screen", () => {
    expect(readme.indexOf("## Day one on a Mac")).toBeLessThan(readme.indexOf("## Two commands"));
    expect(section.trim().split("\n").length).toBeLessThanOrEqual(30);
  });

  it("its one config line plans the host-Ollama layer it describes", async () => {
    const line = /^\s*(ollama: \{ on: host, memoryGiB: \d+ \})/m.exec(section)![1]!;
    const layer = structuredClone(devLayer());
    layer.target = { ...layer.target, ...parse(line) };
    const r = await runOffline(
      "dev",
      parseStackFile(JSON.stringify({ config: { "ai-layer:layer": layer } })),
    );
    expect(containers(r.resources)).not.toContain("ai-layer-ollama");
    for (const cmd of ["npm run plan -- dev", "npm run up -- dev", "npm run smoke -- dev"])
      expect(section).toContain(cmd);
    expect(section).toContain(r.plan.urls.gateway + "/v1");
  });
});
