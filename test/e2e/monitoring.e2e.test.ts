import { readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse } from "yaml";
import { isOllama, type Plan } from "../../components/plan";
import {
  dashboardFiles,
  GATEWAY_METRICS_KEY_FILE,
  renderAlertRules,
  renderLayerFiles,
} from "../../components/render";
import { dashboardQueries, metricNames } from "../helpers/promql";
import { type DevLayer, startDevLayer } from "./devLayer";
import { TEST_SECRETS, type RunningLayer } from "./layer";
import { devPlan } from "./plans";
import { metricNamesPresent, query, targets } from "./prometheus";
import { waitFor } from "./processes";
import type { StubServer } from "./stubs/stubServer";
import { describeWithTools } from "./tools";

/**
 * Names a dashboard or rule may query that this machine cannot produce, each with the reason. Nothing else may be
 * missing from the live series.
 * - vllm:* (vLLM engine metrics) and DCGM_* (NVIDIA DCGM exporter): need a GPU and the real vLLM; the dev stack
 *   renders no vLLM or GPU dashboard, so today none is asked for; a docker stack with vLLM would.
 * - ALERTS: Prometheus' synthetic series of pending/firing alerts, present only while an alert is active (the
 *   alerts test below checks it).
 */
const NEEDS_HARDWARE_OR_EVENT = [/^vllm:/, /^DCGM_/, /^ALERTS$/];

describeWithTools(
  "monitoring: the real Prometheus scrapes the real gateway and Redis exporter with the rendered config",
  ["litellm (.venv-e2e)", "redis-server", "prometheus", "prometheus-redis-exporter"],
  () => {
    let plan: Plan;
    let ollama: StubServer;
    let layer: RunningLayer;
    let client: OpenAI;

    let dev: DevLayer | undefined;
    beforeAll(async () => {
      // The shortest scrape interval the spec allows, so the test waits seconds, not minutes.
      plan = devPlan({ monitoring: { scrapeIntervalSeconds: 5 } });
      dev = await startDevLayer(plan, { monitoring: true });
      ({ ollama, layer, client } = dev);
    });
    afterAll(() => dev?.stop());

    /** Metric names every rendered dashboard and rule file of the plan queries. */
    function queriedNames(): string[] {
      const files = renderLayerFiles(plan, {
        gateway: { ollama: "http://unused", redis: { host: "unused", port: 1 } },
        scrape: { gateway: "unused:1", redisExporter: "unused:2", prometheus: "unused:3" },
        prometheusUrl: "http://unused",
      });
      const exprs = dashboardFiles(files).flatMap((f) => dashboardQueries(f.content).map((q) => q.expr));
      const rules = parse(renderAlertRules(plan)) as {
        groups: { rules: { expr: string; record?: string }[] }[];
      };
      exprs.push(...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)));
      return [...new Set(exprs.flatMap(metricNames))].sort();
    }

    // The scrape holds the master key because LiteLLM 1.104.9 offers no read-only key without a database
    // (components/render/prometheusConfig.ts LITELLM_SCRAPE, with the source lines). Pinned here: if a LiteLLM
    // upgrade opened /metrics or accepted another key, this fails and the README's "Metrics scrape" needs a look.
    it("LiteLLM's /metrics refuses no key and a non-master key (401), answers the key Prometheus reads, and Prometheus never shows it", async () => {
      const key = readFileSync(join(layer.dir, "prometheus", GATEWAY_METRICS_KEY_FILE), "utf8");
      expect(key).toBe(TEST_SECRETS.gatewayMasterKey);
      const scrape = (path: string, bearer?: string) =>
        fetch(`${layer.gatewayUrl}${path}`, {
          redirect: "manual",
          ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}),
        });
      for (const path of ["/metrics", "/metrics/"]) {
        const none = await scrape(path);
        expect(none.status, `${path} without a key`).toBe(401);
        expect(await none.text()).toContain("Unauthorized access to metrics endpoint");
        const other = await scrape(path, "sk-read-only-scraper-0123456789");
        expect(other.status, `${path} with a non-master key`).toBe(401);
        expect(await other.text()).toContain("No connected db");
      }
      const ok = await scrape("/metrics/", key);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("litellm_");
      // prometheus.yml names the key by path (credentials_file); the config Prometheus serves holds no key.
      const served = await (await fetch(`${layer.prometheusUrl}/api/v1/status/config`)).text();
      expect(served).toContain("credentials_file");
      expect(served).not.toContain(key);
    });

    it("after traffic, up == 1 for the gateway and the exporter, and every queried metric name has live series", async () => {
      const chat = (model: string, stream = false) =>
        client.chat.completions.create({
          model,
          stream: stream as false,
          messages: [{ role: "user", content: `metrics ${model} ${Math.random()}` }],
        });
      // Successes, a streamed answer (time to first token), a cache hit, an embedding, a failure with a working
      // fallback and one whose fallback fails too (the fallback counters), a failure without fallback.
      const fixed = { model: "chat", messages: [{ role: "user" as const, content: "the same question" }] };
      await client.chat.completions.create(fixed);
      await new Promise((r) => setTimeout(r, 500));
      await client.chat.completions.create(fixed);
      for await (const _ of await client.chat.completions.create({
        ...fixed,
        stream: true,
        messages: [{ role: "user", content: `stream ${Math.random()}` }],
      }))
        void _;
      await chat("chat-small");
      await client.embeddings.create({ model: "embed", input: ["metrics"], encoding_format: "float" });
      const tag = (n: string) => plan.models.filter(isOllama).find((m) => m.name === n)!.ollamaTag;
      ollama.fail(tag("chat"), 500);
      await chat("chat");
      ollama.fail(tag("chat-small"), 500);
      await expect(chat("chat")).rejects.toMatchObject({ status: 500 });
      ollama.healAll();

      const wanted = queriedNames().filter((n) => !NEEDS_HARDWARE_OR_EVENT.some((re) => re.test(n)));
      expect(wanted).toContain("litellm_proxy_total_requests_metric_total");
      let missing: string[] = wanted;
      await waitFor(
        "every queried metric in Prometheus",
        async () => {
          const present = await metricNamesPresent(layer.prometheusUrl!);
          missing = wanted.filter((n) => !present.has(n));
          return missing.length === 0;
        },
        { timeoutMs: 45_000, intervalMs: 1_000 },
      ).catch(() => undefined);
      const health = await targets(layer.prometheusUrl!);
      expect(health.filter((t) => t.health !== "up")).toEqual([]);
      expect(missing).toEqual([]);
      for (const job of ["litellm", "redis"]) {
        const up = await query(layer.prometheusUrl!, `up{job="${job}"}`);
        expect(
          up.map((s) => s.value[1]),
          job,
        ).toEqual(["1"]);
      }
    });
  },
);
