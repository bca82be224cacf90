import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { isOllama, type PlanFor } from "../plan";
import { createCloudBackends } from "../cloud/backends";
import {
  describeServices,
  dockerEndpoints,
  fileList,
  renderLayerFiles,
  type RenderedFile,
  type ServiceId,
} from "../render";
import { AlertmanagerServer } from "./alertmanager";
import { LiteLlmGateway } from "./gateway";
import { RedisCache } from "./cache";
import { serviceOf, type ServiceInputs } from "./common";
import { Monitoring } from "./monitoring";
import { OllamaModels } from "./ollamaModels";
import { OllamaServer } from "./ollama";
import { resolveSecrets, type LayerSecrets } from "../secrets";

export interface DockerLayerArgs {
  /** The plan of a docker target (`plan(parseLayerSpec(raw), { stack })` with `target.kind: docker`). */
  readonly plan: PlanFor<"docker">;
  /** Secrets from config; any left out is generated with @pulumi/random. */
  readonly secrets?: LayerSecrets;
  /** Docker provider for a daemon the team configures itself. Default: one for `plan.target.host` (or local). */
  readonly provider?: docker.Provider;
}

/**
 * The whole layer on one Docker host: a network, Ollama with the models pre-pulled (in a container, or the host's
 * own Ollama with `target.ollama.on: host`), the LiteLLM gateway, the
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
  const { target } = plan;
  const provider =
    args.provider ??
    new docker.Provider(`${name}-docker`, target.host ? { host: target.host } : {}, { parent });
  const childOpts = { parent, providers: { docker: provider } };
  const network = new docker.Network(
    `${name}-net`,
    { driver: "bridge", labels: [{ label: "ai-layer.stack", value: plan.stack }] },
    { parent, provider },
  );
  const secrets = resolveSecrets(name, plan.secrets, args.secrets ?? {}, parent);
  const gatewayEndpointsOf = dockerEndpoints(plan).gateway;
  const rendered = renderLayerFiles(plan, dockerEndpoints(plan));
  const services = describeServices(plan, { files: rendered });
  const has = (id: ServiceId) => services.some((s) => s.id === id);

  // GPU-cloud endpoints exist only once created: the config reads their base URLs from these env vars.
  const cloudEndpoints = createCloudBackends(name, plan, secrets, { parent });
  const inputs: ServiceInputs = {
    networkName: network.name,
    stack: plan.stack,
    files: rendered,
    secrets,
    deployTimeEnv: cloudEndpoints,
    bindAddress: target.bindAddress,
  };
  const ollama = has("ollama")
    ? new OllamaServer(`${name}-ollama`, { ...inputs, service: serviceOf(services, "ollama") }, childOpts)
    : undefined;
  // The models, pulled through the Ollama API (the container's, or the host's own) before the gateway exists.
  const gatewayService = serviceOf(services, "gateway");
  const models =
    rendered.ollamaPull && gatewayEndpointsOf.ollama
      ? new OllamaModels(
          `${name}-ollama-models`,
          {
            ollamaUrl: gatewayEndpointsOf.ollama,
            tags: [...new Set(plan.models.filter(isOllama).map((m) => m.ollamaTag))],
            script: rendered.ollamaPull.content,
            image: gatewayService.image,
            networkName: network.name,
            ...(gatewayService.extraHosts ? { extraHosts: gatewayService.extraHosts } : {}),
            ...(target.host ? { dockerHost: target.host } : {}),
          },
          { parent, dependsOn: ollama ? [ollama] : [] },
        )
      : undefined;
  const cache = has("cache-exporter")
    ? new RedisCache(
        `${name}-cache`,
        {
          ...inputs,
          ...(has("cache") ? { cache: serviceOf(services, "cache") } : {}),
          exporter: serviceOf(services, "cache-exporter"),
        },
        childOpts,
      )
    : undefined;
  const gateway = new LiteLlmGateway(
    `${name}-gateway`,
    {
      ...inputs,
      service: gatewayService,
      dependsOn: [...(ollama ? [ollama] : []), ...(models ? [models] : []), ...(cache ? [cache] : [])],
    },
    childOpts,
  );
  const monitoring = has("prometheus")
    ? new Monitoring(
        `${name}-monitoring`,
        { ...inputs, prometheus: serviceOf(services, "prometheus"), grafana: serviceOf(services, "grafana") },
        { ...childOpts, dependsOn: [gateway] },
      )
    : undefined;
  const alertmanager = has("alertmanager")
    ? new AlertmanagerServer(
        `${name}-alertmanager`,
        { ...inputs, service: serviceOf(services, "alertmanager") },
        childOpts,
      )
    : undefined;
  return {
    provider,
    network,
    secrets,
    ollama,
    models,
    cache,
    gateway,
    monitoring,
    alertmanager,
    files: fileList(rendered),
  };
}
