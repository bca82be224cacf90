import type { Plan } from "../plan";
import { yamlFile } from "./yamlFile";

/** Where the receivers' secrets are read from inside Alertmanager (files, so they never enter the config). */
export const ALERTMANAGER_SECRET_FILES = {
  slackWebhookUrl: "/etc/alertmanager/secrets/slack-webhook-url",
  pagerdutyRoutingKey: "/etc/alertmanager/secrets/pagerduty-routing-key",
} as const;

/** Whether the plan runs Alertmanager: only when a receiver is configured. */
export const needsAlertmanager = (plan: Pick<Plan, "alerting">) =>
  plan.alerting.slack || plan.alerting.pagerduty;

/**
 * alertmanager.yml: every alert to Slack when its webhook is set; critical ones (also) page through PagerDuty
 * when its routing key is set. Secrets come from files (`api_url_file`, `routing_key_file`, in Alertmanager
 * since v0.25), written from secret env or a mounted Secret, so this file holds none.
 */
export function renderAlertmanagerConfig(plan: Plan): string {
  const { slack, pagerduty } = plan.alerting;
  if (!slack && !pagerduty) throw new Error("renderAlertmanagerConfig: no receiver is configured");
  const receivers = [
    ...(slack
      ? [
          {
            name: "slack",
            slack_configs: [
              {
                api_url_file: ALERTMANAGER_SECRET_FILES.slackWebhookUrl,
                send_resolved: true,
                title: `[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} (${plan.stack})`,
                text: "{{ range .Alerts }}{{ .Annotations.summary }}\nRunbook: {{ .Annotations.runbook }}\n{{ end }}",
              },
            ],
          },
        ]
      : []),
    ...(pagerduty
      ? [
          {
            name: "pagerduty",
            pagerduty_configs: [
              { routing_key_file: ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey, send_resolved: true },
            ],
          },
        ]
      : []),
  ];
  const route = {
    receiver: slack ? "slack" : "pagerduty",
    group_by: ["alertname", "requested_model", "model"],
    group_wait: "30s",
    group_interval: "5m",
    repeat_interval: "4h",
    ...(slack && pagerduty
      ? { routes: [{ receiver: "pagerduty", matchers: ['severity="critical"'], continue: true }] }
      : {}),
  };
  return yamlFile(
    `Alertmanager config for stack "${plan.stack}", rendered by ai-layer (renderAlertmanagerConfig).`,
    {
      route,
      receivers,
    },
  );
}
