import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { Plan } from "../../plan";
import { ALERTMANAGER_SECRET_FILES } from "../../render";
import {
  clusterIpService,
  LAYER_SECRET_NAME,
  meta,
  selector,
  type KubeContext,
  type KubeObject,
} from "./common";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./podSecurity";

const COMPONENT = "alertmanager";
const CONFIG_MAP = "alertmanager-config";

/**
 * Alertmanager in the namespace: its rendered config in a ConfigMap, the receivers' secrets mounted from the
 * layer Secret as the files the config names (so neither the ConfigMap nor the pod spec holds them).
 */
export function alertmanagerManifests(ctx: KubeContext, plan: Plan, config: string): KubeObject[] {
  const am = plan.services.alertmanager;
  const name = am.host.split(".")[0]!;
  const secretDir = posix.dirname(ALERTMANAGER_SECRET_FILES.slackWebhookUrl);
  const items = [
    ...(plan.alerting.slack
      ? [{ key: "slackWebhookUrl", path: posix.basename(ALERTMANAGER_SECRET_FILES.slackWebhookUrl) }]
      : []),
    ...(plan.alerting.pagerduty
      ? [{ key: "pagerdutyRoutingKey", path: posix.basename(ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey) }]
      : []),
  ];
  const probe = (path: string) => ({
    httpGet: { path, port: "http" },
    periodSeconds: 15,
    failureThreshold: 3,
  });
  return [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(ctx, CONFIG_MAP, COMPONENT, name),
      data: { "alertmanager.yml": config },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(ctx, name, COMPONENT),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector(COMPONENT, name) },
        // Silences and notification state live on an emptyDir: one instance at a time.
        strategy: { type: "Recreate" },
        template: {
          metadata: {
            labels: meta(ctx, name, COMPONENT).labels,
            annotations: {
              "ai-layer.dev/config-checksum": createHash("sha256").update(config).digest("hex"),
            },
          },
          spec: {
            // prom/alertmanager runs as nobody, 65534 (prometheus/alertmanager Dockerfile, stored revision on the
            // distroless base: `USER nobody`, /alertmanager copied `--chown=nobody:nobody`; the v0.34.0 tag itself
            // was not read).
            securityContext: restrictedPodSecurityContext(65534),
            automountServiceAccountToken: false,
            containers: [
              {
                name: "alertmanager",
                image: plan.images.alertmanager,
                args: [
                  "--config.file=/etc/alertmanager/alertmanager.yml",
                  "--storage.path=/alertmanager",
                  `--web.listen-address=:${am.port}`,
                ],
                ports: [{ name: "http", containerPort: am.port, protocol: "TCP" }],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                // Writes only its silences and notification log (/alertmanager, an emptyDir).
                securityContext: restrictedContainerSecurityContext(true),
                volumeMounts: [
                  { name: "config", mountPath: "/etc/alertmanager", readOnly: true },
                  { name: "receivers", mountPath: secretDir, readOnly: true },
                  { name: "data", mountPath: "/alertmanager" },
                ],
                readinessProbe: probe("/-/ready"),
                livenessProbe: probe("/-/healthy"),
              },
            ],
            volumes: [
              { name: "config", configMap: { name: CONFIG_MAP } },
              { name: "receivers", secret: { secretName: LAYER_SECRET_NAME, items } },
              { name: "data", emptyDir: {} },
            ],
          },
        },
      },
    },
    clusterIpService(ctx, name, COMPONENT, name, am.port),
  ];
}
