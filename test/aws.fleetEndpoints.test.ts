// fleetEndpoints, the LiteLLM and Prometheus configs of aws-ec2: the fleet's tracks through env vars, ElastiCache
// over TLS, and the vllm scrape job reading the fleet the control host lists (query run for real in
// test/render.controlHost.test.ts).
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fleetEndpoints, REDIS_HOST_ENV } from "../components/aws/fleetEndpoints";
import {
  EC2_VLLM_TARGETS_FILE,
  ec2VllmFilters,
  ec2VllmTargetsQuery,
  renderLayerFiles,
  renderLiteLlmConfig,
} from "../components/render";
import knownLiteLlm from "./fixtures/known-keys.litellm.json";
import knownProm from "./fixtures/known-keys.prometheus.json";
import { devLayerRaw, planOf } from "./helpers/tools";
import { gpuFleetPlan as fleetPlan } from "./helpers/gpuFleet";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const STACK = "gpu-fleet";

describe("fleetEndpoints: the LiteLLM config on aws-ec2", () => {
  const p = fleetPlan(() => {});
  const config = parse(renderLiteLlmConfig(p, fleetEndpoints(p).gateway)) as Json;

  it("each vLLM track's api_base is the env var its load balancer URL arrives in", () => {
    const bases = config.model_list.map((d: Json) => [d.model_info.id, d.litellm_params.api_base]);
    expect(bases).toEqual(p.target.aws.tracks.map((t) => [t.id, `os.environ/${t.apiBaseEnv}`]));
    for (const d of config.model_list) expect(d.litellm_params.api_key).toBe("os.environ/VLLM_API_KEY");
    expect(() => fleetEndpoints(p).gateway.vllm!("nope")).toThrow(/no GPU fleet track nope/);
  });

  it("with ElastiCache: host from REDIS_HOST, port 6379, ssl on; every key is one LiteLLM reads", () => {
    expect(config.litellm_settings.cache_params).toMatchObject({
      type: "redis",
      host: `os.environ/${REDIS_HOST_ENV}`,
      port: 6379,
      password: "os.environ/REDIS_PASSWORD",
      ssl: true,
    });
    for (const k of Object.keys(config.litellm_settings.cache_params))
      expect(knownLiteLlm.cache_params, k).toContain(k);
    for (const section of ["litellm_settings", "router_settings", "general_settings"] as const)
      for (const k of Object.keys(config[section])) expect(knownLiteLlm[section], k).toContain(k);
    for (const d of config.model_list)
      for (const k of Object.keys(d.litellm_params)) expect(knownLiteLlm.litellm_params, k).toContain(k);
  });

  it("without ElastiCache: the Redis container by alias, no TLS", () => {
    const local = fleetPlan((l) => delete l.target.elasticache);
    const c = parse(renderLiteLlmConfig(local, fleetEndpoints(local).gateway)) as Json;
    expect(c.litellm_settings.cache_params).toMatchObject({ host: "redis", port: 6379 });
    expect(c.litellm_settings.cache_params).not.toHaveProperty("ssl");
  });

  it("router Redis (several gateways) gets TLS through cache_kwargs, a router_settings key", () => {
    const many = { ...p, gateway: { ...p.gateway, replicas: { min: 1, max: 2 } } };
    const router = (parse(renderLiteLlmConfig(many, fleetEndpoints(p).gateway)) as Json).router_settings;
    expect(router.cache_kwargs).toEqual({ ssl: true });
    expect(knownLiteLlm.router_settings).toContain("cache_kwargs");
  });

  it("takes aws-ec2 plans only: another target's plan is a compile error (checked by tsc on this file)", () => {
    const dev = planOf(devLayerRaw());
    expect(dev.target.kind).toBe("docker");
    // @ts-expect-error a docker plan is not an aws-ec2 plan
    expect(() => fleetEndpoints(dev)).toThrow();
  });
});

describe("fleetEndpoints: the vllm job reads the targets the control host lists (no AWS API from Prometheus)", () => {
  const p = fleetPlan(() => {});
  const files = renderLayerFiles(p, fleetEndpoints(p));
  const prom = parse(files.prometheusConfig!.content) as Json;
  const job = prom.scrape_configs.find((j: Json) => j.job_name === "vllm");

  it("file_sd_configs on the targets file; no ec2_sd_configs, which would need the role in the container", () => {
    expect(prom.scrape_configs.map((j: Json) => j.job_name)).toEqual([
      "litellm",
      "redis",
      "vllm",
      "prometheus",
    ]);
    expect(job.file_sd_configs).toEqual([{ files: [EC2_VLLM_TARGETS_FILE], refresh_interval: "1m" }]);
    expect(files.prometheusConfig!.content).not.toContain("ec2_sd_configs");
    for (const k of Object.keys(job)) expect(knownProm.scrape_config, k).toContain(k);
  });

  it("the listing labels each target model, track, pod and service, as the vLLM rules and dashboard read them", () => {
    const query = ec2VllmTargetsQuery({ region: "us-east-1", port: p.target.aws.vllmPort, stack: STACK });
    for (const label of ["model:", "track:", "pod: InstanceId", "service: 'inference'"])
      expect(query).toContain(label);
    expect(JSON.parse(ec2VllmFilters({ region: "us-east-1", port: 8000, stack: STACK }))).toEqual([
      { Name: "tag:ai-layer.dev/stack", Values: [STACK] },
      { Name: "tag-key", Values: ["ai-layer.dev/model"] },
      { Name: "instance-state-name", Values: ["running"] },
    ]);
    // The labels the vLLM alert rules and dashboard read for job "vllm".
    expect(files.alertRules!.content).toMatch(/job="vllm", model=/);
    expect(files.alertRules!.content).toMatch(/by \(model, pod\)/);
  });
});
