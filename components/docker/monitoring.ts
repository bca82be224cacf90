import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceDescription } from "../render";
import { createServiceContainer, type ServiceInputs } from "./common";

export interface MonitoringArgs extends ServiceInputs {
  /**
   * The Prometheus service (describeServices): pinned image, the rendered prometheus.yml and rules, the start
   * script that writes the gateway key (LiteLLM's /metrics needs it) where the config's credentials_file points,
   * retention, and the operator port.
   */
  readonly prometheus: ServiceDescription;
  /** The Grafana service (describeServices): provisioned datasource and dashboards, admin password from a secret. */
  readonly grafana: ServiceDescription;
}

/** Prometheus (scraping the gateway, the Redis exporter and itself) and Grafana with provisioned dashboards. */
export class Monitoring extends pulumi.ComponentResource {
  public readonly prometheus: docker.Container;
  public readonly grafana: docker.Container;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "ai-layer:index:Monitoring",
      name,
      { prometheusImage: args.prometheus.image, grafanaImage: args.grafana.image },
      opts,
    );
    const built = createMonitoring(name, args, this);
    this.prometheus = built.prometheus;
    this.grafana = built.grafana;
    this.registerOutputs({});
  }
}

/** @internal */
export function createMonitoring(name: string, args: MonitoringArgs, parent: pulumi.Resource) {
  let promData: docker.Volume | undefined;
  const prometheus = createServiceContainer(`${name}-prometheus`, args.prometheus, args, parent, {
    volumes: () => {
      promData = new docker.Volume(`${name}-prometheus-data`, {}, { parent });
      return { "prometheus-data": promData.name };
    },
  });
  const grafana = createServiceContainer(`${name}-grafana`, args.grafana, args, parent, {
    dependsOn: [prometheus.container],
  });
  return {
    promImage: prometheus.image,
    promData: promData!,
    prometheus: prometheus.container,
    grafanaImage: grafana.image,
    grafana: grafana.container,
  };
}
