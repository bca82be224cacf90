import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Plan } from "../../components/plan";
import { type DevLayer, startDevLayer } from "./devLayer";
import type { RunningLayer } from "./layer";
import { devPlan } from "./plans";
import { alerts, type ActiveAlert } from "./prometheus";
import { waitFor } from "./processes";
import type { StubServer } from "./stubs/stubServer";
import { describeWithTools } from "./tools";

/**
 * The rendered gateway alerts, evaluated by the real Prometheus on series it scrapes from the real gateway. The
 * rules come from renderAlertRules with its drill options: evaluated every second and `for` shortened to 2 s
 * (the rendered 2m/5m would make the test wait minutes); expressions and thresholds are the rendered ones.
 */
describeWithTools(
  "alerts: GatewayErrorRatioHigh and GatewayDown fire on real failures and stay silent when healthy",
  ["litellm (.venv-e2e)", "redis-server", "prometheus", "prometheus-redis-exporter"],
  () => {
    let plan: Plan;
    let ollama: StubServer;
    let layer: RunningLayer;
    let client: OpenAI;
    const gatewayAlerts = async (): Promise<ActiveAlert[]> =>
      (await alerts(layer.prometheusUrl!)).filter((a) => a.labels.alertname?.startsWith("Gateway"));
    const firing = async (name: string) =>
      (await gatewayAlerts()).some((a) => a.labels.alertname === name && a.state === "firing");
    const send = (n: number) =>
      Promise.allSettled(
        Array.from({ length: n }, () =>
          client.chat.completions.create({
            model: "chat-small",
            messages: [{ role: "user", content: `alerts ${Math.random()}` }],
          }),
        ),
      );
    /** Keeps traffic flowing across several scrapes (a rate needs two samples) until `until` resolves. */
    async function trafficUntil<T>(until: Promise<T>): Promise<T> {
      let done = false;
      const loop = (async () => {
        while (!done) await send(2);
      })();
      try {
        return await until;
      } finally {
        done = true;
        await loop;
      }
    }

    let dev: DevLayer | undefined;
    beforeAll(async () => {
      plan = devPlan({ monitoring: { scrapeIntervalSeconds: 5 } });
      dev = await startDevLayer(plan, {
        monitoring: true,
        alertRules: { evaluationIntervalSeconds: 1, forSeconds: 2 },
      });
      ({ ollama, layer, client } = dev);
    });
    afterAll(() => dev?.stop());

    it("healthy traffic over three scrapes raises no gateway alert", async () => {
      const wait = new Promise((r) => setTimeout(r, 3 * plan.monitoring.scrapeIntervalSeconds * 1000 + 2000));
      await trafficUntil(wait);
      expect(await gatewayAlerts()).toEqual([]);
    });

    it("GatewayErrorRatioHigh fires when the upstream fails every request", async () => {
      ollama.fail("*", 500);
      try {
        await trafficUntil(
          waitFor("GatewayErrorRatioHigh firing", () => firing("GatewayErrorRatioHigh"), {
            timeoutMs: 45_000,
            intervalMs: 1_000,
          }),
        );
      } finally {
        ollama.healAll();
      }
      const fired = (await gatewayAlerts()).find((a) => a.labels.alertname === "GatewayErrorRatioHigh")!;
      expect(fired.labels).toMatchObject({ severity: "critical", requested_model: "chat-small" });
    });

    it("GatewayDown fires when the gateway stops answering scrapes", async () => {
      expect(await firing("GatewayDown")).toBe(false);
      await layer.stopGateway();
      await waitFor("GatewayDown firing", () => firing("GatewayDown"), {
        timeoutMs: 30_000,
        intervalMs: 1_000,
      });
    });
  },
);
