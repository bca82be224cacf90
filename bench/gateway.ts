/**
 * `npm run bench:gateway`: what the LiteLLM gateway costs, measured side by side in one run on this machine, from
 * the rendered config (a Kubernetes-style gateway: hosted_vllm routes, Redis cache) against the vLLM stub:
 * - latency: the same chat request straight to the stub and through the gateway (cache misses: unique prompts),
 *   interleaved, p50/p99 and the difference (the gateway-added latency);
 * - throughput: requests/s through one gateway process (one worker, as the container runs it) at a fixed
 *   concurrency, unique prompts;
 * - cache: a hit (the same request again) against a miss.
 * Needs test/e2e/install.sh. Writes bench/results/gateway-<date>.json. No assertion, no threshold.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startLayer, TEST_SECRETS } from "../test/e2e/layer";
import { kubernetesPlan } from "../test/e2e/plans";
import { openAiStub } from "../test/e2e/stubs/openai";

const N = Number(process.env.BENCH_N ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const summary = (xs: number[]) => ({
  n: xs.length,
  p50Ms: +pct(xs, 50).toFixed(2),
  p99Ms: +pct(xs, 99).toFixed(2),
});

async function post(url: string, key: string, body: unknown): Promise<number> {
  const t = performance.now();
  const r = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return performance.now() - t;
}

async function main() {
  const remote = await openAiStub("remote", ["remote-large"]).start();
  const plan = kubernetesPlan(`${remote.url}/v1`);
  const vllm = await openAiStub("vllm", ["chat", "embed"]).start();
  const layer = await startLayer({ plan, endpoints: { vllm: () => `${vllm.url}/v1` } });
  try {
    const direct = `${vllm.url}/v1/chat/completions`;
    const gateway = `${layer.gatewayUrl}/v1/chat/completions`;
    const ask = (content: string) => ({ model: "chat", messages: [{ role: "user", content }] });
    let i = 0;
    const unique = () => ask(`bench ${process.pid} ${i++}`);
    // Warm-up: connections, the router's first-call paths.
    for (let w = 0; w < 30; w++) {
      await post(direct, TEST_SECRETS.vllmApiKey, unique());
      await post(gateway, TEST_SECRETS.gatewayMasterKey, unique());
    }

    const directMs: number[] = [];
    const gatewayMs: number[] = [];
    for (let k = 0; k < N; k++) {
      directMs.push(await post(direct, TEST_SECRETS.vllmApiKey, unique()));
      gatewayMs.push(await post(gateway, TEST_SECRETS.gatewayMasterKey, unique()));
    }

    // Cache: the first call of a prompt misses (and stores), the second hits. LiteLLM stores after answering,
    // so wait a little before the hit.
    const missMs: number[] = [];
    const hitMs: number[] = [];
    const stubCallsBefore = vllm.requests.length;
    for (let k = 0; k < Math.min(N, 100); k++) {
      const body = unique();
      missMs.push(await post(gateway, TEST_SECRETS.gatewayMasterKey, body));
      await new Promise((r) => setTimeout(r, 20));
      hitMs.push(await post(gateway, TEST_SECRETS.gatewayMasterKey, body));
    }
    const stubCallsDuringCacheRun = vllm.requests.length - stubCallsBefore;

    // Throughput: CONCURRENCY clients in a closed loop for THROUGHPUT_SECONDS, unique prompts.
    let done = 0;
    let failed = 0;
    const until = performance.now() + THROUGHPUT_SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          try {
            await post(gateway, TEST_SECRETS.gatewayMasterKey, unique());
            done++;
          } catch {
            failed++;
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
      litellm: "1.104.9 (one worker, rendered config, Redis cache on, LITELLM_LOG=INFO)",
      latency: {
        direct: summary(directMs),
        gateway: summary(gatewayMs),
        addedP50Ms: +(pct(gatewayMs, 50) - pct(directMs, 50)).toFixed(2),
        addedP99Ms: +(pct(gatewayMs, 99) - pct(directMs, 99)).toFixed(2),
      },
      throughput: {
        concurrency: CONCURRENCY,
        seconds: +seconds.toFixed(1),
        requests: done,
        failed,
        requestsPerSecond: +(done / seconds).toFixed(1),
      },
      cache: {
        miss: summary(missMs),
        hit: summary(hitMs),
        // Misses reach the stub, hits do not: equals miss.n when every hit was served from Redis.
        stubCallsDuringCacheRun,
      },
    };
    const dir = join(__dirname, "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `gateway-${result.date.slice(0, 10)}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    console.log(`written: ${file}`);
  } finally {
    await layer.stop();
    await vllm.stop();
    await remote.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
