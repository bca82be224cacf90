import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceDescription } from "../render";
import { createServiceContainer, type ServiceInputs } from "./common";

export interface AlertmanagerArgs extends ServiceInputs {
  /**
   * The Alertmanager service (describeServices): pinned image, the rendered alertmanager.yml, and the start script
   * that writes the receivers' secrets (Slack webhook URL, PagerDuty routing key) from env into the files it names.
   */
  readonly service: ServiceDescription;
}

/** Alertmanager on the layer network: receives Prometheus' alerts and sends them to Slack and/or PagerDuty. */
export class AlertmanagerServer extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:AlertmanagerServer", name, { image: args.service.image }, opts);
    this.container = createServiceContainer(name, args.service, args, this).container;
    this.registerOutputs({});
  }
}
