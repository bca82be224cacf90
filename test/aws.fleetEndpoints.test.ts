// fleetEndpoints, the LiteLLM and Prometheus configs of aws-ec2: the fleet's tracks through env vars, ElastiCache
// over TLS, and the vllm scrape job discovering EC2 instances with the labels dashboards and alerts use.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fleetEndpoints, REDIS_HOST_ENV } from "../components/aws/fleetEndpoints";
import { renderLayerFiles, renderLiteLlmConfig } from "../components/render";
import knownLiteLlm from "./fixtures/known-keys.litellm.json";
import knownProm from "./fixtures/known-keys.prometheus.json";
import { relabel, type Relabel } from "./helpers/kubeDiscovery";
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

describe("fleetEndpoints: the vllm job discovers EC2 instances with the labels dashboards and alerts use", () => {
  const p = fleetPlan(() => {});
  const prom = parse(renderLayerFiles(p, fleetEndpoints(p)).prometheusConfig!.content) as Json;
  const job = prom.scrape_configs.find((j: Json) => j.job_name === "vllm");

  it("ec2_sd_configs in the plan's region and vLLM port, filtered to the stack's running model instances", () => {
    expect(prom.scrape_configs.map((j: Json) => j.job_name)).toEqual([
      "litellm",
      "redis",
      "vllm",
      "prometheus",
    ]);
    expect(job.ec2_sd_configs).toEqual([
      {
        region: "us-east-1",
        port: 8000,
        filters: [
          { name: "tag:ai-layer.dev/stack", values: [STACK] },
          { name: "tag-key", values: ["ai-layer.dev/model"] },
          { name: "instance-state-name", values: ["running"] },
        ],
      },
    ]);
    for (const k of Object.keys(job)) expect(knownProm.scrape_config, k).toContain(k);
  });

  it("relabels an instance (as EC2 SD presents it) to its private IP, model, track, pod and service", () => {
    const discovered = {
      __address__: "10.40.3.7:8000",
      __meta_ec2_private_ip: "10.40.3.7",
      __meta_ec2_instance_id: "i-0abc",
      __meta_ec2_tag_ai_layer_dev_model: "chat",
      __meta_ec2_tag_ai_layer_dev_track: "stable",
      __meta_ec2_tag_ai_layer_dev_stack: STACK,
    };
    expect(relabel(discovered, job.relabel_configs as Relabel[])).toEqual({
      __address__: "10.40.3.7:8000",
      model: "chat",
      track: "stable",
      pod: "i-0abc",
      service: "inference",
    });
    // The labels the vLLM alert rules and dashboard read for job "vllm".
    const rules = renderLayerFiles(p, fleetEndpoints(p)).alertRules!.content;
    expect(rules).toMatch(/job="vllm", model=/);
    expect(rules).toMatch(/by \(model, pod\)/);
  });
});
