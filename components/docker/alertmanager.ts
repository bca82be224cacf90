import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_SECRET_FILES, type RenderedFile } from "../render";
import { containerDefaults, envVar, pinnedImage, type DockerPlacement } from "./common";

const CONFIG_PATH = "/etc/alertmanager/alertmanager.yml";

export interface AlertmanagerArgs extends DockerPlacement {
  /** Pinned Alertmanager image. */
  readonly image: string;
  /** The rendered alertmanager.yml (renderAlertmanagerConfig). */
  readonly config: RenderedFile;
  /** Slack incoming-webhook URL, when alerts go to Slack. Secret. */
  readonly slackWebhookUrl?: pulumi.Input<string>;
  /** PagerDuty Events v2 routing key, when critical alerts page. Secret. */
  readonly pagerdutyRoutingKey?: pulumi.Input<string>;
  /** Network alias and port Prometheus sends alerts to. Default `alertmanager`, 9093. */
  readonly address: { readonly host: string; readonly port: number };
}

/**
 * Start script: write the receivers' secrets from the env into the files alertmanager.yml names, then exec
 * Alertmanager. The image runs as nobody, which owns /etc/alertmanager (its Dockerfile chowns it).
 */
export function alertmanagerStartScript(port: number): string {
  const dir = ALERTMANAGER_SECRET_FILES.slackWebhookUrl.slice(
    0,
    ALERTMANAGER_SECRET_FILES.slackWebhookUrl.lastIndexOf("/"),
  );
  return [
    "set -eu",
    "umask 077",
    `mkdir -p ${dir}`,
    `if [ -n "\${SLACK_WEBHOOK_URL:-}" ]; then printf '%s' "$SLACK_WEBHOOK_URL" > ${ALERTMANAGER_SECRET_FILES.slackWebhookUrl}; fi`,
    `if [ -n "\${PAGERDUTY_ROUTING_KEY:-}" ]; then printf '%s' "$PAGERDUTY_ROUTING_KEY" > ${ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey}; fi`,
    `exec /bin/alertmanager --config.file=${CONFIG_PATH} --storage.path=/alertmanager --web.listen-address=:${port}`,
  ].join("\n");
}

/** Alertmanager on the layer network: receives Prometheus' alerts and sends them to Slack and/or PagerDuty. */
export class AlertmanagerServer extends pulumi.ComponentResource {
  public readonly container: docker.Container;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-layer:index:AlertmanagerServer", name, { image: args.image }, opts);
    const image = pinnedImage(`${name}-image`, args.image, this);
    const envs: pulumi.Input<string>[] = [];
    if (args.slackWebhookUrl !== undefined) envs.push(envVar("SLACK_WEBHOOK_URL", args.slackWebhookUrl));
    if (args.pagerdutyRoutingKey !== undefined)
      envs.push(envVar("PAGERDUTY_ROUTING_KEY", args.pagerdutyRoutingKey));
    this.container = new docker.Container(
      name,
      {
        ...containerDefaults(args, "alertmanager", args.address.host, args.image),
        image: image.imageId,
        entrypoints: ["/bin/sh", "-c", alertmanagerStartScript(args.address.port)],
        envs,
        uploads: [{ file: CONFIG_PATH, content: args.config.content }],
        healthcheck: {
          tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${args.address.port}/-/healthy`],
          interval: "15s",
          timeout: "5s",
          retries: 5,
          startPeriod: "10s",
        },
        wait: true,
        waitTimeout: 120,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
