import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { kubernetesEndpoints, kubernetesObjects } from "../components/kubernetes/layer";
import {
  dcgmExporterNamespace,
  isVllm,
  plan as makePlan,
  VLLM_PORT,
  vllmResourceName,
} from "../components/plan";
import {
  GATEWAY_METRICS_KEY_FILE,
  PROMETHEUS_RULES_FILE,
  renderAlertRules,
  renderKubernetesPrometheusConfig,
  renderLayerFiles,
  renderPrometheusConfig,
} from "../components/render";
import { parseLayerSpec } from "../components/spec";
import knownKeys from "./fixtures/known-keys.prometheus.json";
import { endpointsTargets, podTargets, relabel, type Labels, type Relabel } from "./helpers/kubeDiscovery";
import { kubeContext, kubernetesPlan } from "./helpers/kubeLayer";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  authorization?: { type: string; credentials_file: string };
  kubernetes_sd_configs?: { role: string; namespaces: { names: string[] } }[];
  static_configs?: { targets: string[] }[];
  relabel_configs?: Relabel[];
}

const plan = kubernetesPlan({ canary: true });
const ctx = kubeContext(plan);
const ns = ctx.namespace;
const dcgmNs = dcgmExporterNamespace(ns);
const text = renderKubernetesPrometheusConfig(plan, { namespace: ns, dcgm: true, dcgmNamespace: dcgmNs });
const config = parse(text) as { scrape_configs: ScrapeConfig[] };
const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!;

describe("renderKubernetesPrometheusConfig", () => {
  it("has the jobs litellm, redis, vllm, dcgm and prometheus", () => {
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual([
      "litellm",
      "redis",
      "vllm",
      "dcgm",
      "prometheus",
    ]);
  });

  it("uses only scrape_config keys Prometheus reads (fixtures/known-keys.prometheus.json)", () => {
    for (const j of config.scrape_configs)
      for (const key of Object.keys(j))
        expect(knownKeys.scrape_config, `${j.job_name}.${key}`).toContain(key);
  });

  it("discovers only in the layer namespace (DCGM: its own), with roles endpoints (services) and pod (DCGM)", () => {
    for (const j of config.scrape_configs.filter((x) => x.kubernetes_sd_configs)) {
      for (const sd of j.kubernetes_sd_configs!) {
        expect(Object.keys(sd).sort(), j.job_name).toEqual(["namespaces", "role"]);
        expect(sd.namespaces).toEqual({ names: [j.job_name === "dcgm" ? dcgmNs : ns] });
        expect(sd.role).toBe(j.job_name === "dcgm" ? "pod" : "endpoints");
      }
      for (const r of j.relabel_configs!)
        for (const k of Object.keys(r))
          expect(["source_labels", "separator", "target_label", "regex", "replacement", "action"]).toContain(
            k,
          );
    }
  });

  it("scrapes LiteLLM on /metrics/ with the master key from a file next to the config", () => {
    expect(job("litellm").metrics_path).toBe("/metrics/");
    expect(job("litellm").authorization).toEqual({
      type: "Bearer",
      credentials_file: GATEWAY_METRICS_KEY_FILE,
    });
    expect(text).not.toMatch(/sk-|credentials:/);
    expect(job("vllm").metrics_path).toBe("/metrics");
    expect(job("prometheus").static_configs).toEqual([
      { targets: ["localhost:9090"], labels: { service: "monitoring" } },
    ]);
  });

  it("leaves out the redis job without the cache, dcgm without opts.dcgm, vllm without vLLM models", () => {
    const spec = parseLayerSpec({
      target: { kind: "kubernetes", context: "staging" },
      models: [{ name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } }],
      cache: { enabled: false },
    });
    const bare = makePlan(spec, { stack: "s", providedSecrets: new Set(["openaiApiKey"]) });
    const jobs = (
      parse(renderKubernetesPrometheusConfig(bare, { namespace: ns, dcgm: false })) as typeof config
    ).scrape_configs.map((j) => j.job_name);
    expect(jobs).toEqual(["litellm", "prometheus"]);
  });

  it("renderPrometheusConfig dispatches to it for kubernetes scrape targets", () => {
    expect(
      renderPrometheusConfig(plan, { kubernetes: { namespace: ns, dcgm: true, dcgmNamespace: dcgmNs } }),
    ).toBe(text);
  });
});

describe("relabelling against the layer's real manifests (kubernetesObjects)", () => {
  const files = renderLayerFiles(plan, kubernetesEndpoints(plan));
  const objects = kubernetesObjects(plan, ctx, files);
  const layerConfig = parse(files.prometheusConfig!.content) as typeof config;
  const scraped = (name: string) => {
    const j = layerConfig.scrape_configs.find((x) => x.job_name === name)!;
    // Discovery looks where the job says: the DCGM exporter's pods sit in their own namespace.
    const { role, namespaces } = j.kubernetes_sd_configs![0]!;
    const where = namespaces.names[0]!;
    const discovered = role === "pod" ? podTargets(objects, where) : endpointsTargets(objects, where);
    return discovered.map((t) => relabel(t, j.relabel_configs!)).filter((t): t is Labels => t !== null);
  };

  it("the layer renders this same config (kubernetes scrape targets, DCGM on)", () => {
    expect(files.prometheusConfig!.content).toBe(text);
  });

  it("litellm keeps exactly the gateway pods on port 4000", () => {
    const t = scraped("litellm");
    expect(t.length).toBeGreaterThan(0);
    for (const x of t) expect(x.__address__).toMatch(/:4000$/);
    expect(new Set(t.map((x) => x.service))).toEqual(new Set(["gateway"]));
  });

  it("redis keeps only the exporter (9121), not Redis itself (6379)", () => {
    const t = scraped("redis");
    expect(t.map((x) => x.__address__!.split(":")[1])).toEqual(["9121"]);
  });

  it("vllm keeps one target per track, labelled deployment, model and track", () => {
    const t = scraped("vllm");
    const expected = plan.models
      .filter(isVllm)
      .flatMap((m) =>
        m.tracks.map((tr) => ({ deployment: vllmResourceName(tr.id), model: m.name, track: tr.track })),
      );
    expect(t.map((x) => ({ deployment: x.deployment, model: x.model, track: x.track }))).toEqual(expected);
    expect(expected.map((e) => e.track)).toContain("canary");
    for (const x of t) expect(x.__address__).toMatch(new RegExp(`:${VLLM_PORT}$`));
  });

  it("every KEDA query on deployment=… names a deployment the vllm job labels", () => {
    const deployments = new Set(scraped("vllm").map((x) => x.deployment));
    const queried = objects
      .filter((o) => o.kind === "ScaledObject")
      .flatMap((o) => (o.spec as { triggers: { metadata: { query?: string } }[] }).triggers)
      .flatMap((tr) => [...(tr.metadata.query ?? "").matchAll(/deployment="([^"]+)"/g)].map((m) => m[1]!));
    expect(queried.length).toBeGreaterThan(0);
    for (const d of queried) expect(deployments).toContain(d);
  });

  it("dcgm keeps the exporter pod on 9400 and labels its node", () => {
    const t = scraped("dcgm");
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ node: "gpu-node-1", service: "gpu" });
    expect(t[0]!.__address__).toMatch(/:9400$/);
    expect(t[0]).not.toHaveProperty("pod"); // the exporter's own pod label names the GPU's pod
  });
});

const INSTALL = "apt-get install prometheus";
const has = requireTool("promtool");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Writes a config, the plan's rules file it names (promtool checks rule files too) and, unless told otherwise,
 * the key file it names into a fresh dir; returns the file.
 */
function writeConfig(content: string, withKeyFile = true): string {
  const dir = mkdtempSync(join(tmpdir(), "ai-layer-promtool-k8s-"));
  dirs.push(dir);
  writeFileSync(join(dir, "prometheus.yml"), content);
  mkdirSync(dirname(join(dir, PROMETHEUS_RULES_FILE)), { recursive: true });
  writeFileSync(join(dir, PROMETHEUS_RULES_FILE), renderAlertRules(plan));
  if (withKeyFile) {
    mkdirSync(dirname(join(dir, GATEWAY_METRICS_KEY_FILE)), { recursive: true });
    writeFileSync(join(dir, GATEWAY_METRICS_KEY_FILE), "sk-test-not-a-real-key");
  }
  return join(dir, "prometheus.yml");
}
const checkConfig = (file: string) => run("promtool", ["check", "config", file], { cwd: "/" });

/** Debian's promtool is built without Kubernetes discovery (it reports the field as unknown). */
const promtoolHasKubernetesSd = (): boolean => {
  if (!has) return false;
  const r = checkConfig(
    writeConfig(
      stringify({ scrape_configs: [{ job_name: "k", kubernetes_sd_configs: [{ role: "pod" }] }] }),
      false,
    ),
  );
  return !/field kubernetes_sd_configs not found/.test(r.stdout + r.stderr);
};
const hasK8sSd = promtoolHasKubernetesSd();

/** The config with every kubernetes_sd_configs swapped for a static target, so any promtool checks the rest. */
function withStaticDiscovery(content: string, mutate: (c: typeof config) => void = () => {}): string {
  const c = parse(content) as typeof config;
  for (const j of c.scrape_configs)
    if (j.kubernetes_sd_configs) {
      delete j.kubernetes_sd_configs;
      j.static_configs = [{ targets: ["10.0.0.1:80"] }];
    }
  mutate(c);
  return stringify(c);
}

itRequiresToolInCi("promtool", INSTALL);

describe.skipIf(!has)(
  toolTitle("promtool check config on the Kubernetes prometheus.yml", "promtool", has, INSTALL),
  () => {
    // Debian's promtool is built without Kubernetes discovery, so there the full file can only fail on that
    // one field; an upstream promtool must accept it whole. Either way this runs and asserts.
    it("the whole config: valid where promtool has kubernetes_sd_configs, else refused only for that field", () => {
      const r = checkConfig(writeConfig(text));
      if (hasK8sSd) expect(r.status, r.stdout + r.stderr).toBe(0);
      else {
        expect(r.status).not.toBe(0);
        const errors = (r.stdout + r.stderr).split("\n").filter((l) => /^\s+line \d+:/.test(l));
        expect(errors.length, r.stdout + r.stderr).toBeGreaterThan(0);
        expect(errors.filter((l) => !/field kubernetes_sd_configs not found/.test(l))).toEqual([]);
      }
    });

    it("with discovery swapped for static targets: relabel rules, auth file and the rest are valid", () => {
      const r = checkConfig(writeConfig(withStaticDiscovery(text)));
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("SUCCESS");
    });

    it("negative control: fails without the credentials file next to the config", () => {
      const r = checkConfig(writeConfig(withStaticDiscovery(text), false));
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(GATEWAY_METRICS_KEY_FILE);
    });

    it("negative control: a broken relabel regex is rejected (so the rules really are parsed)", () => {
      const broken = withStaticDiscovery(
        text,
        (c) => (c.scrape_configs[2]!.relabel_configs![0]!.regex = "vllm("),
      );
      expect(checkConfig(writeConfig(broken)).status).not.toBe(0);
    });
  },
);
