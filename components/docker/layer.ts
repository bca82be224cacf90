import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { isCloud, isOllama, isRemote, redisTls, type LayerSecretKey, type Plan } from "../plan";
import { createCloudBackends } from "../cloud/backends";
import {
  dashboardFiles,
  fileList,
  redisContainerMemoryMb,
  renderLayerFiles,
  type RenderedFile,
} from "../render";
import { AlertmanagerServer } from "./alertmanager";
import { LiteLlmGateway } from "./gateway";
import { RedisCache } from "./cache";
import { dockerEndpoints } from "./common";
import { Monitoring } from "./monitoring";
import { OllamaServer } from "./ollama";
import { resolveSecrets, type LayerSecrets } from "../secrets";

export interface DockerLayerArgs {
  /** The planned layer (from `plan(parseLayerSpec(raw), { stack })`); its target must be `docker`. */
  readonly plan: Plan;
  /** Secrets from config; any left out is generated with @pulumi/random. */
  readonly secrets?: LayerSecrets;
  /** Docker provider for a daemon the team configures itself. Default: one for `plan.target.host` (or local). */
  readonly provider?: docker.Provider;
}

/**
 * The whole layer on one Docker host: a network, Ollama with the models pre-pulled, the LiteLLM gateway, the
 * Redis cache and its exporter, Prometheus and Grafana. Talks to the Docker daemon of `plan.target.host`
 * (local by default) through an explicit provider.
 */
export class DockerLayer extends pulumi.ComponentResource {
  /** Gateway URL on the host, e.g. http://127.0.0.1:4000 (OpenAI base URL: append /v1). */
  public readonly gatewayUrl: string;
  public readonly grafanaUrl?: string;
  public readonly prometheusUrl?: string;
  /** Key clients send as `Authorization: Bearer …`. Secret. */
  public readonly gatewayMasterKey: pulumi.Output<string>;
  /** Grafana `admin` password, when monitoring is on. Secret. */
  public readonly grafanaAdminPassword?: pulumi.Output<string>;
  /** Every file the layer deploys, as rendered. */
  public readonly files: readonly RenderedFile[];

  constructor(name: string, args: DockerLayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:DockerLayer",
      name,
      { stack: args.plan.stack, models: args.plan.models.map((m) => m.name) },
      opts,
    );
    // The same five outputs as the other layer component on purpose, assigned here rather than in a shared base
    // class: a component served to other languages must extend ComponentResource directly (pulumi-practices §4).
    const built = createDockerLayer(name, args, this);
    this.gatewayUrl = args.plan.urls.gateway;
    this.grafanaUrl = args.plan.urls.grafana;
    this.prometheusUrl = args.plan.urls.prometheus;
    this.gatewayMasterKey = built.secrets.gatewayMasterKey;
    this.grafanaAdminPassword = built.secrets.grafanaAdminPassword;
    this.files = built.files;
    this.registerOutputs({ gatewayUrl: this.gatewayUrl, gatewayMasterKey: this.gatewayMasterKey });
  }
}

/** @internal Places the plan on Docker under `parent`. */
export function createDockerLayer(name: string, args: DockerLayerArgs, parent: pulumi.Resource) {
  const { plan } = args;
  const { target, services, images } = plan;
  if (target.kind !== "docker")
    throw new Error(`DockerLayer places docker plans; this plan targets ${target.kind}`);
  const provider =
    args.provider ??
    new docker.Provider(`${name}-docker`, target.host ? { host: target.host } : {}, { parent });
  const childOpts = { parent, providers: { docker: provider } };
  const network = new docker.Network(
    `${name}-net`,
    { driver: "bridge", labels: [{ label: "ai-layer.stack", value: plan.stack }] },
    { parent, provider },
  );
  const placement = { networkName: network.name, stack: plan.stack };
  const secrets = resolveSecrets(name, plan.secrets, args.secrets ?? {}, parent);
  const rendered = renderLayerFiles(plan, dockerEndpoints(plan));

  const cloudEndpoints = createCloudBackends(name, plan, secrets, { parent });
  const hasOllama = plan.models.some(isOllama);
  const ollama =
    hasOllama &&
    new OllamaServer(
      `${name}-ollama`,
      {
        ...placement,
        image: images.ollama,
        entrypoint: rendered.ollamaEntrypoint!,
        healthcheck: rendered.ollamaHealthcheck!,
        address: services.ollama,
        contextLength: plan.ollamaContextLength!,
        gpuCount: target.gpu?.count,
        pullTimeoutSeconds: target.modelPullTimeoutSeconds,
        memoryMb: Math.round(target.hostMemoryGiB * 1024) + 1024,
      },
      childOpts,
    );
  const cache = plan.cache.enabled
    ? new RedisCache(
        `${name}-cache`,
        {
          ...placement,
          image: images.redis,
          exporterImage: images.redisExporter,
          ...(rendered.redisConf ? { config: rendered.redisConf } : {}),
          ...(plan.cache.existingRedis ? { existing: { tls: redisTls(plan) } } : {}),
          password: secrets.redisPassword,
          memoryMb: redisContainerMemoryMb(plan.cache),
          address: services.redis,
          exporterAddress: services.redisExporter,
        },
        childOpts,
      )
    : undefined;
  const gateway = new LiteLlmGateway(
    `${name}-gateway`,
    {
      ...placement,
      image: images.gateway,
      config: rendered.litellmConfig!,
      masterKey: secrets.gatewayMasterKey,
      redisPassword: cache ? secrets.redisPassword : undefined,
      secretEnv: {
        ...Object.fromEntries(
          [...plan.models.filter(isRemote), ...plan.models.filter(isCloud)].map((m) => [
            m.apiKey.env,
            secrets[m.apiKey.configKey as LayerSecretKey],
          ]),
        ),
        // GPU-cloud endpoints exist only once created: the config reads their base URLs from these env vars.
        ...cloudEndpoints,
      },
      address: services.gateway,
      publish: { ip: target.bindAddress, port: target.ports.gateway },
      dependsOn: [...(ollama ? [ollama] : []), ...(cache ? [cache] : [])],
    },
    childOpts,
  );
  const monitoring = plan.monitoring.enabled
    ? new Monitoring(
        `${name}-monitoring`,
        {
          ...placement,
          prometheusImage: images.prometheus,
          grafanaImage: images.grafana,
          prometheusConfig: rendered.prometheusConfig!,
          alertRules: rendered.alertRules!,
          grafanaDatasources: rendered.grafanaDatasources!,
          grafanaDashboardProvider: rendered.grafanaDashboardProvider!,
          dashboards: dashboardFiles(rendered),
          gatewayMasterKey: secrets.gatewayMasterKey,
          grafanaAdminPassword: secrets.grafanaAdminPassword,
          retentionDays: plan.monitoring.retentionDays,
          prometheusAddress: services.prometheus,
          grafanaAddress: services.grafana,
          publish: {
            ip: target.bindAddress,
            prometheusPort: target.ports.prometheus,
            grafanaPort: target.ports.grafana,
          },
        },
        { ...childOpts, dependsOn: [gateway] },
      )
    : undefined;
  const alertmanager = rendered.alertmanagerConfig
    ? new AlertmanagerServer(
        `${name}-alertmanager`,
        {
          ...placement,
          image: images.alertmanager,
          config: rendered.alertmanagerConfig,
          ...(plan.alerting.slack ? { slackWebhookUrl: secrets.slackWebhookUrl } : {}),
          ...(plan.alerting.pagerduty ? { pagerdutyRoutingKey: secrets.pagerdutyRoutingKey } : {}),
          address: services.alertmanager,
        },
        childOpts,
      )
    : undefined;
  return {
    provider,
    network,
    secrets,
    ollama,
    cache,
    gateway,
    monitoring,
    alertmanager,
    files: fileList(rendered),
  };
}
