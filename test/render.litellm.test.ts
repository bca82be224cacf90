import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runOffline, type OfflineResult, type PlannedResource } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";
import { dockerEndpoints } from "../components/render";
import type { Plan } from "../components/plan";
import { FILE_PATHS, renderLiteLlmConfig } from "../components/render";
import known from "./fixtures/known-keys.litellm.json";
import { DEV_STACK_FILE, devLayerRaw, ollamaModels, planOf } from "./helpers/tools";

interface Deployment {
  model_name: string;
  litellm_params: Record<string, unknown> & { model: string; api_base: string };
  model_info: Record<string, unknown>;
}
interface LiteLlmConfig {
  model_list: Deployment[];
  litellm_settings: Record<string, unknown> & { cache_params?: Record<string, unknown> };
  router_settings: Record<string, unknown> & { fallbacks?: Record<string, string[]>[] };
  general_settings: Record<string, unknown>;
}

const render = (p: Plan) => parse(renderLiteLlmConfig(p, dockerEndpoints(p).gateway)) as LiteLlmConfig;
const keysOf = (o: object | undefined) => Object.keys(o ?? {});

function withLayer(patch: (raw: Record<string, unknown>) => void): Plan {
  const raw = devLayerRaw();
  patch(raw);
  return planOf(raw);
}

describe("LiteLLM config keys are ones LiteLLM reads (fixtures/known-keys.litellm.json)", () => {
  const config = render(planOf(devLayerRaw()));

  it("top-level keys", () => {
    expect(keysOf(config)).toEqual(expect.arrayContaining(["model_list", "litellm_settings"]));
    for (const k of keysOf(config)) expect(known.top_level, k).toContain(k);
  });

  it("litellm_params and model_info of every deployment", () => {
    expect(config.model_list.length).toBeGreaterThan(0);
    for (const d of config.model_list) {
      for (const k of keysOf(d.litellm_params)) expect(known.litellm_params, k).toContain(k);
      for (const k of keysOf(d.model_info)) expect(known.model_info, k).toContain(k);
    }
  });

  it.each(["router_settings", "litellm_settings", "general_settings"] as const)("%s", (section) => {
    expect(keysOf(config[section]).length).toBeGreaterThan(0);
    for (const k of keysOf(config[section])) expect(known[section], k).toContain(k);
  });

  it("cache_params", () => {
    expect(config.litellm_settings.cache_params).toBeDefined();
    for (const k of keysOf(config.litellm_settings.cache_params)) expect(known.cache_params, k).toContain(k);
  });
});

describe("LiteLLM config content", () => {
  const p = planOf(devLayerRaw());
  const config = render(p);

  it("one deployment per model; chat via ollama_chat/<tag>, embeddings via ollama/<tag>", () => {
    expect(config.model_list.map((d) => d.model_name)).toEqual(p.models.map((m) => m.name));
    expect(p.models.some((m) => m.kind === "chat") && p.models.some((m) => m.kind === "embedding")).toBe(
      true,
    );
    for (const m of ollamaModels(p)) {
      const d = config.model_list.find((x) => x.model_name === m.name)!;
      const prefix = m.kind === "chat" ? "ollama_chat" : "ollama";
      expect(d.litellm_params.model).toBe(`${prefix}/${m.ollamaTag}`);
      expect(d.model_info.mode).toBe(m.kind === "chat" ? "chat" : "embedding");
    }
  });

  it("holds no secret values: master key and cache password are os.environ/ references", () => {
    expect(config.general_settings.master_key).toMatch(/^os\.environ\/[A-Z][A-Z0-9_]*$/);
    expect(config.litellm_settings.cache_params?.password).toMatch(/^os\.environ\/[A-Z][A-Z0-9_]*$/);
    const walk = (v: unknown, key = ""): void => {
      if (Array.isArray(v)) v.forEach((x) => walk(x, key));
      else if (v && typeof v === "object") Object.entries(v).forEach(([k, x]) => walk(x, k));
      else if (/password|master_key|api_key|secret|token$/i.test(key) && typeof v === "string")
        expect(v, key).toMatch(/^os\.environ\//);
    };
    walk(config);
  });

  it("fallbacks name existing model_names, on both sides", () => {
    const names = new Set(config.model_list.map((d) => d.model_name));
    const fallbacks = config.router_settings.fallbacks ?? [];
    expect(fallbacks).toEqual([{ chat: ["chat-small"] }]); // from stacks/Pulumi.dev.yaml
    for (const entry of fallbacks)
      for (const [from, to] of Object.entries(entry)) {
        expect(names).toContain(from);
        for (const t of to) expect(names).toContain(t);
      }
  });

  it("cache disabled: no cache keys at all", () => {
    const off = render(withLayer((raw) => (raw.cache = { enabled: false })));
    expect(keysOf(off.litellm_settings)).not.toContain("cache");
    expect(keysOf(off.litellm_settings)).not.toContain("cache_params");
    expect(JSON.stringify(off)).not.toContain("REDIS_PASSWORD");
  });

  it("cache enabled without a Redis endpoint is refused", () => {
    expect(() => renderLiteLlmConfig(p, { ollama: "http://ollama:11434" })).toThrow(/Redis endpoint/);
  });
});

type Container = PlannedResource & {
  inputs: {
    networksAdvanced: { name: unknown; aliases: string[] }[];
    envs?: string[] | string;
    command?: string[];
    entrypoints?: string[];
    uploads?: { file: string; content: string }[];
  };
};

describe("routing consistency on the offline dev plan (runOffline on stacks/Pulumi.dev.yaml)", () => {
  let result: OfflineResult;
  let containers: Container[];
  beforeAll(async () => {
    result = await runOffline("dev", readStackFile(DEV_STACK_FILE));
    containers = result.resources.filter((r) => r.type === "docker:index/container:Container") as Container[];
  });

  const fileContent = (path: string) => result.files.find((f) => f.path === path)!.content;
  const byAlias = (host: string) => {
    const found = containers.filter((c) => c.inputs.networksAdvanced.some((n) => n.aliases.includes(host)));
    expect(
      found.map((c) => c.name),
      `containers with alias ${host}`,
    ).toHaveLength(1);
    return found[0]!;
  };
  const networkOf = (c: Container) => c.inputs.networksAdvanced.map((n) => n.name);
  const gateway = () => {
    const config = fileContent(FILE_PATHS.litellmConfig);
    const found = containers.filter((c) => c.inputs.uploads?.some((u) => u.content === config));
    expect(found, "the container the LiteLLM config is uploaded to").toHaveLength(1);
    return found[0]!;
  };

  it("every model's api_base reaches an Ollama container on the gateway's network, on OLLAMA_HOST's port", () => {
    const config = parse(fileContent(FILE_PATHS.litellmConfig)) as LiteLlmConfig;
    const gw = gateway();
    const gwNetworks = networkOf(gw);
    expect(gwNetworks).toHaveLength(1);
    // The name is an output of the mocked Network; it must be a resolved value, not a mask or undefined.
    expect(gwNetworks[0]).toMatch(/^ai-layer-net/);
    expect(config.model_list.length).toBe(result.plan.models.length);
    for (const d of config.model_list) {
      const url = new URL(d.litellm_params.api_base);
      const backend = byAlias(url.hostname);
      expect(networkOf(backend), d.model_name).toEqual(gwNetworks);
      expect(Array.isArray(backend.inputs.envs), "Ollama envs are plain (no secret)").toBe(true);
      const host = (backend.inputs.envs as string[]).find((e) => e.startsWith("OLLAMA_HOST="));
      expect(host, d.model_name).toBeDefined();
      expect(host!.split(":").pop(), d.model_name).toBe(url.port);
    }
  });

  it("the cache host in cache_params is the Redis container's alias, listening on the configured port", () => {
    const cp = (parse(fileContent(FILE_PATHS.litellmConfig)) as LiteLlmConfig).litellm_settings.cache_params!;
    const redis = byAlias(String(cp.host));
    expect(networkOf(redis)).toEqual(networkOf(gateway()));
    const conf = redis.inputs.uploads!.find((u) => u.content === fileContent(FILE_PATHS.redisConf));
    expect(conf?.content).toMatch(new RegExp(`^port ${cp.port}$`, "m"));
  });

  it("Prometheus scrape targets are container aliases listening on those ports", () => {
    const prom = parse(fileContent(FILE_PATHS.prometheusConfig)) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = Object.fromEntries(
      prom.scrape_configs.map((s) => [s.job_name, s.static_configs.flatMap((c) => c.targets)]),
    );
    expect(targets).toEqual({
      litellm: ["litellm:4000"],
      redis: ["redis-exporter:9121"],
      prometheus: ["localhost:9090"],
    });
    const gw = byAlias("litellm");
    expect(gw.name).toBe(gateway().name);
    const cmd = gw.inputs.command!;
    expect(cmd[cmd.indexOf("--port") + 1]).toBe("4000");
    // The exporter's envs are masked as a whole ("[secret]": REDIS_PASSWORD is one of them), so its listen
    // port is compared with the plan's services, which the exporter container is built from.
    const exporter = byAlias("redis-exporter");
    expect(networkOf(exporter)).toEqual(networkOf(gw));
    if (exporter.inputs.envs === "[secret]")
      expect(result.plan.services.redisExporter).toEqual({ host: "redis-exporter", port: 9121 });
    else expect(exporter.inputs.envs).toContain("REDIS_EXPORTER_WEB_LISTEN_ADDRESS=0.0.0.0:9121");
    const prometheus = containers.find((c) =>
      c.inputs.uploads?.some((u) => u.content === fileContent(FILE_PATHS.prometheusConfig)),
    )!;
    expect(prometheus.inputs.entrypoints!.join(" ")).toContain("--web.listen-address=:9090");
  });
});
