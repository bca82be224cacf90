// The layer's service descriptions (components/render/services.ts) and the three mappings of them: docker.Container
// arguments (docker target), `docker run` data (aws-ec2 control host) and pod containers (kubernetes). Each target
// must carry exactly what the description says: same image, entrypoint and args, env names, files and memory.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { controlHostContainers, fleetEndpoints } from "../components/aws/fleetEndpoints";
import { serviceContainerArgs, serviceEnvs, type ServiceInputs } from "../components/docker/common";
import { gatewayManifests } from "../components/kubernetes/manifests/gateway";
import { cacheManifests } from "../components/kubernetes/manifests/cache";
import { grafanaManifests } from "../components/kubernetes/manifests/monitoring";
import { plan as makePlan, type LayerSecretKey, type Plan } from "../components/plan";
import {
  describeGateway,
  describeGrafana,
  describeRedis,
  describeRedisExporter,
  describeServices,
  dockerEndpoints,
  hostContainer,
  LITELLM_CONFIG_PATH,
  renderLayerFiles,
  secretsRead,
  type ServiceDescription,
} from "../components/render";
import { parseLayerSpec } from "../components/spec";
import { devLayerRaw } from "./helpers/tools";
import { gpuFleetPlan } from "./helpers/gpuFleet";
import { kubeContext, kubernetesPlan, type Json } from "./helpers/kubeLayer";

const devPlan = () => makePlan(parseLayerSpec(devLayerRaw()), { stack: "dev" });
const fleetPlan = () => gpuFleetPlan();
const dockerServices = (p: Plan) => describeServices(p, { files: renderLayerFiles(p, dockerEndpoints(p)) });
const envNames = (s: ServiceDescription) => s.env.map((e) => e.name);
const byId = (services: readonly ServiceDescription[], id: string) => services.find((s) => s.id === id)!;

describe("service descriptions", () => {
  it("dev: Ollama, Redis, its exporter, the gateway, Prometheus and Grafana, in start order", () => {
    const services = dockerServices(devPlan());
    expect(services.map((s) => s.id)).toEqual([
      "ollama",
      "cache",
      "cache-exporter",
      "gateway",
      "prometheus",
      "grafana",
    ]);
    // Every file a service mounts is a rendered file of this plan.
    const p = devPlan();
    const rendered = Object.values(renderLayerFiles(p, dockerEndpoints(p))).map((f) => f!.path);
    for (const s of services)
      for (const f of s.files) expect(rendered, `${s.id} ${f.path}`).toContain(f.path);
    expect(secretsRead(services)).toEqual(["gatewayMasterKey", "grafanaAdminPassword", "redisPassword"]);
  });

  it("the gateway reads its config from one path and its keys by config key, never by value", () => {
    const gateway = byId(dockerServices(devPlan()), "gateway");
    expect(gateway.args).toEqual(["--config", LITELLM_CONFIG_PATH, "--port", "4000", "--num_workers", "1"]);
    expect(gateway.files).toEqual([
      { key: "litellmConfig", path: "litellm/config.yaml", mountPath: LITELLM_CONFIG_PATH },
    ]);
    expect(gateway.env).toContainEqual({ name: "LITELLM_MASTER_KEY", secret: "gatewayMasterKey" });
    expect(gateway.env).toContainEqual({ name: "REDIS_PASSWORD", secret: "redisPassword" });
    expect(gateway.publish).toEqual({ to: "client", hostPort: 4000 });
  });

  it("Grafana never phones home, on every target (the docker target lacked the plugin-update switch)", () => {
    for (const p of [devPlan(), kubernetesPlan()]) {
      const env = describeGrafana(p).env;
      for (const name of [
        "GF_ANALYTICS_REPORTING_ENABLED",
        "GF_ANALYTICS_CHECK_FOR_UPDATES",
        "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES",
      ])
        expect(env, name).toContainEqual({ name, value: "false" });
    }
  });

  it("aws-ec2 with ElastiCache: no Redis container; fleet URLs and the cache host are deploy-time env; TLS exporter", () => {
    const p = fleetPlan();
    const services = describeServices(p, {
      files: renderLayerFiles(p, fleetEndpoints(p)),
      elastiCacheHost: "master.cache.example",
    });
    expect(services.map((s) => s.id)).not.toContain("cache");
    const deployTime = byId(services, "gateway")
      .env.filter((e) => "deployTime" in e)
      .map((e) => e.name);
    expect(deployTime).toEqual(["VLLM_CHAT_API_BASE", "VLLM_EMBED_API_BASE", "REDIS_HOST"]);
    expect(byId(services, "gateway").env).toContainEqual({ name: "VLLM_API_KEY", secret: "vllmApiKey" });
    expect(byId(services, "cache-exporter").env).toContainEqual({
      name: "REDIS_ADDR",
      value: "rediss://master.cache.example:6379",
    });
  });

  it("a cluster publishes nothing: its Services expose the pods", () => {
    const p = kubernetesPlan();
    expect(describeGateway(p).publish).toBeUndefined();
    expect(describeGateway(p).env.map((e) => e.name)).toContain("VLLM_API_KEY");
  });
});

describe("each target maps the description whole", () => {
  const inputs = (s: ServiceDescription): ServiceInputs => ({
    networkName: "net",
    stack: "dev",
    files: renderLayerFiles(devPlan(), dockerEndpoints(devPlan())),
    secrets: Object.fromEntries(secretsRead([s]).map((k) => [k, `value-of-${k}`])) as Partial<
      Record<LayerSecretKey, string>
    >,
    bindAddress: "127.0.0.1",
  });
  const resolve = (v: pulumi.Input<string>) => new Promise<string>((r) => pulumi.output(v).apply(r));

  it("docker: env names and values in the description's order, files uploaded where it reads them, health checked", async () => {
    for (const s of dockerServices(devPlan())) {
      const args = serviceContainerArgs(s, inputs(s), "sha256:img");
      const envs = await Promise.all(serviceEnvs(s, inputs(s)).map(resolve));
      expect(
        envs.map((e) => e.slice(0, e.indexOf("="))),
        s.id,
      ).toEqual(envNames(s));
      for (const e of s.env)
        if ("secret" in e) expect(envs, s.id).toContain(`${e.name}=value-of-${e.secret}`);
      expect((args.uploads as Json[] | undefined)?.map((u) => u.file) ?? [], s.id).toEqual(
        s.files.map((f) => f.mountPath),
      );
      expect(args.entrypoints, s.id).toEqual(s.entrypoint);
      expect(args.command, s.id).toEqual(s.args);
      expect(args.memory, s.id).toBe(s.memoryMb);
      expect(Boolean(args.wait), s.id).toBe(Boolean(s.health));
      if (s.publish)
        expect(args.ports, s.id).toEqual([
          { internal: s.address.port, external: s.publish.hostPort, ip: "127.0.0.1" },
        ]);
    }
  });

  it("docker: a secret the service reads but nobody passed is a plain error, not an empty env var", () => {
    const gateway = byId(dockerServices(devPlan()), "gateway");
    expect(() => serviceEnvs(gateway, { ...inputs(gateway), secrets: {} })).toThrow(
      /LITELLM_MASTER_KEY.*gatewayMasterKey/,
    );
  });

  it("control host: secrets become SSM parameter names, deploy-time values plain env, ports by role", () => {
    const p = fleetPlan();
    const files = Object.values(renderLayerFiles(p, fleetEndpoints(p))).map((f) => f!);
    const params = Object.fromEntries(
      p.secrets.map((s) => [s.configKey, `/ai-layer/gpu-fleet/${s.configKey}`]),
    );
    const containers = controlHostContainers(p, files, {
      secretParameters: params,
      gatewayEnv: { VLLM_CHAT_API_BASE: "http://nlb:8100/v1", VLLM_EMBED_API_BASE: "http://nlb:8101/v1" },
      redisHost: "master.cache.example",
      publish: { gatewayIp: "0.0.0.0", monitoringIp: "127.0.0.1" },
    });
    const services = describeServices(p, {
      files: renderLayerFiles(p, fleetEndpoints(p)),
      elastiCacheHost: "master.cache.example",
    });
    expect(containers.map((c) => c.service)).toEqual(services.map((s) => s.id));
    for (const [c, s] of containers.map((c, i) => [c, services[i]!] as const)) {
      expect([...Object.keys(c.env), ...Object.keys(c.secretEnv)].sort(), s.id).toEqual(envNames(s).sort());
      expect([c.image, c.entrypoint, c.command, c.memoryMb], s.id).toEqual([
        s.image,
        s.entrypoint,
        s.args,
        s.memoryMb,
      ]);
      expect(
        c.files.map((f) => f.mountPath),
        s.id,
      ).toEqual(s.files.map((f) => f.mountPath));
    }
    const gateway = containers.find((c) => c.service === "gateway")!;
    expect(gateway.secretEnv.LITELLM_MASTER_KEY).toBe("/ai-layer/gpu-fleet/gatewayMasterKey");
    expect(gateway.env.REDIS_HOST).toBe("master.cache.example");
    expect(gateway.publish?.ip).toBe("0.0.0.0");
    expect(containers.find((c) => c.service === "grafana")!.publish?.ip).toBe("127.0.0.1");
    expect(() =>
      hostContainer(byId(services, "gateway"), {
        stack: "s",
        secretParameters: params,
        deployTimeEnv: {},
        publish: { client: "0.0.0.0", operator: "127.0.0.1" },
      }),
    ).toThrow(/VLLM_CHAT_API_BASE/);
  });

  it("kubernetes: the pod containers carry the description's image, command/args, env and config path", () => {
    const p = kubernetesPlan();
    const ctx = kubeContext(p);
    const container = (objects: Json[], name: string) =>
      objects.find((o) => o.kind === "Deployment" && o.metadata.name === name).spec.template.spec
        .containers[0];
    const asEnv = (s: ServiceDescription) =>
      s.env.map((e) =>
        "value" in e
          ? { name: e.name, value: e.value }
          : {
              name: e.name,
              valueFrom: { secretKeyRef: { name: "ai-layer-secrets", key: (e as Json).secret } },
            },
      );
    const gw = describeGateway(p);
    const g = container(gatewayManifests(ctx, p, "x", { expose: "cluster", sourceRanges: [] }), "litellm");
    // The description's env whole, then only the Kubernetes pod's writable paths for its read-only root.
    const described = asEnv(gw);
    expect([g.image, g.args, g.env.slice(0, described.length)]).toEqual([gw.image, gw.args, described]);
    expect(g.env.slice(described.length).map((e: Json) => e.name)).toEqual(["HOME", "XDG_CACHE_HOME"]);
    expect(g.volumeMounts[0]).toEqual({ name: "config", mountPath: "/etc/litellm", readOnly: true });
    expect(g.volumeMounts.slice(1).every((m: Json) => !m.readOnly)).toBe(true);
    const cache = cacheManifests(ctx, p, "port 6379\n");
    const redis = describeRedis(p);
    expect([
      container(cache, "redis").image,
      container(cache, "redis").command,
      container(cache, "redis").env,
    ]).toEqual([redis.image, redis.entrypoint, asEnv(redis)]);
    expect(container(cache, "redis-exporter").env).toEqual(asEnv(describeRedisExporter(p)));
    const grafana = describeGrafana(p);
    const gf = container(
      grafanaManifests(ctx, p, {
        prometheusConfig: "",
        alertRules: "",
        grafanaDatasources: "",
        grafanaDashboardProvider: "",
        dashboards: [],
      }),
      "grafana",
    );
    expect([gf.image, gf.env]).toEqual([grafana.image, asEnv(grafana)]);
  });
});
