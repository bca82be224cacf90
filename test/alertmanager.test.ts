// Alertmanager: rendered only when a receiver's secret is set; checked by the real amtool and wired on both
// targets without the webhook URL or routing key ever entering a file or an input in clear.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOffline } from "../bin/offline/run";
import { parseStackFile, readStackFile } from "../bin/offline/stackFile";
import { alertmanagerStartScript } from "../components/render";
import { plan, type Plan } from "../components/plan";
import {
  ALERTMANAGER_SECRET_FILES,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
} from "../components/render";
import { dockerEndpoints } from "../components/render";
import { parseLayerSpec } from "../components/spec";
import { devLayerRaw, itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";

const ROOT = join(__dirname, "..");
const hasAmtool = requireTool("amtool");
const hasShellcheck = requireTool("shellcheck");
const planWith = (secrets: string[]): Plan =>
  plan(parseLayerSpec(devLayerRaw()), { stack: "dev", providedSecrets: new Set(secrets) });

itRequiresToolInCi("amtool", "apt-get install prometheus-alertmanager");

describe("alert receivers", () => {
  it("no receiver secret: no Alertmanager, no alerting section in prometheus.yml", () => {
    const p = planWith([]);
    expect(p.alerting).toEqual({ slack: false, pagerduty: false });
    expect(() => renderAlertmanagerConfig(p)).toThrow(/no receiver/);
    expect(parse(renderPrometheusConfig(p, dockerEndpoints(p).scrape))).not.toHaveProperty("alerting");
  });

  it("both receivers: Slack gets everything, critical alerts also page; secrets are file references only", () => {
    const cfg = parse(renderAlertmanagerConfig(planWith(["slackWebhookUrl", "pagerdutyRoutingKey"])));
    expect(cfg.route.receiver).toBe("slack");
    expect(cfg.route.routes).toEqual([
      { receiver: "pagerduty", matchers: ['severity="critical"'], continue: true },
    ]);
    expect(cfg.receivers[0].slack_configs[0].api_url_file).toBe(ALERTMANAGER_SECRET_FILES.slackWebhookUrl);
    expect(cfg.receivers[1].pagerduty_configs[0].routing_key_file).toBe(
      ALERTMANAGER_SECRET_FILES.pagerdutyRoutingKey,
    );
  });

  it("Prometheus sends alerts to the layer's Alertmanager", () => {
    const p = planWith(["slackWebhookUrl"]);
    const prom = parse(renderPrometheusConfig(p, dockerEndpoints(p).scrape));
    expect(prom.alerting).toEqual({
      alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }],
    });
  });
});

describe.skipIf(!hasAmtool)(
  toolTitle(
    "amtool check-config on the rendered alertmanager.yml",
    "amtool",
    hasAmtool,
    "apt-get install prometheus-alertmanager",
  ),
  () => {
    // Made in beforeAll, not at collection: a skipped suite (no amtool) then creates nothing to clean up.
    let dir = "";
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "ai-layer-am-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it.each([[["slackWebhookUrl"]], [["pagerdutyRoutingKey"]], [["slackWebhookUrl", "pagerdutyRoutingKey"]]])(
      "receivers %j pass",
      (secrets) => {
        const file = join(dir, `${secrets.join("-")}.yml`);
        writeFileSync(file, renderAlertmanagerConfig(planWith(secrets)));
        const r = run("amtool", ["check-config", file]);
        expect(r.status, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toContain("SUCCESS");
      },
    );
    it("negative control: amtool rejects a receiver that does not exist", () => {
      const cfg = parse(renderAlertmanagerConfig(planWith(["slackWebhookUrl"])));
      cfg.route.receiver = "nobody";
      const file = join(dir, "broken.yml");
      writeFileSync(file, stringify(cfg));
      expect(run("amtool", ["check-config", file]).status).not.toBe(0);
    });
  },
);

describe.skipIf(!hasShellcheck)(
  toolTitle(
    "shellcheck on the Alertmanager start script",
    "shellcheck",
    hasShellcheck,
    "apt-get install shellcheck",
  ),
  () => {
    it("passes", () => {
      const r = run("shellcheck", ["-s", "sh", "-"], {
        input: `#!/bin/sh\n${alertmanagerStartScript(9093)}\n`,
      });
      expect(r.status, r.stdout).toBe(0);
    });
  },
);

describe("on the targets", () => {
  const webhook = "https://hooks.slack.example/services/T000/B000/plaintext-webhook";
  it("docker: an Alertmanager container with the secret only in masked env", async () => {
    const dev = parse(readFileSync(join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8"));
    const config = parseStackFile(
      stringify({ config: { ...dev.config, "ai-layer:slackWebhookUrl": webhook } }),
    );
    const { resources, files } = await runOffline("dev", config);
    const am = resources.find(
      (r) => r.type === "docker:index/container:Container" && r.name === "ai-layer-alertmanager",
    );
    expect(am, "alertmanager container").toBeDefined();
    expect((am!.inputs as { envs: unknown }).envs).toBe("[secret]");
    expect(JSON.stringify(resources) + files.map((f) => f.content).join("\n")).not.toContain(webhook);
    expect(files.map((f) => f.path)).toContain("alertmanager/alertmanager.yml");
  });

  it("kubernetes: the receiver secret is mounted from the layer Secret as the file the config reads", async () => {
    const staging = readStackFile(join(ROOT, "stacks", "Pulumi.staging.yaml"));
    const config = {
      values: { ...staging.values, "ai-layer:pagerdutyRoutingKey": "R0UTINGKEYPLAINTEXT" },
      secretKeys: staging.secretKeys,
    };
    const { resources } = await runOffline("staging", config);
    const deployment = resources.find(
      (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "ai-layer-alertmanager",
    );
    const spec = (
      deployment!.inputs as {
        spec: { template: { spec: { volumes: { name: string; secret?: unknown }[] } } };
      }
    ).spec.template.spec;
    expect(spec.volumes.find((v) => v.name === "receivers")!.secret).toEqual({
      secretName: "ai-layer-secrets",
      items: [{ key: "pagerdutyRoutingKey", path: "pagerduty-routing-key" }],
    });
    expect(JSON.stringify(resources)).not.toContain("R0UTINGKEYPLAINTEXT");
  });
});
