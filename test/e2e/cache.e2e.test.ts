import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Plan } from "../../components/plan";
import { type DevLayer, startDevLayer } from "./devLayer";
import type { RunningLayer } from "./layer";
import { devPlan } from "./plans";
import { redisCli } from "./redis";
import type { StubServer } from "./stubs/stubServer";
import { describeWithTools } from "./tools";

/** The namespace renderLiteLlmConfig writes into cache_params (LiteLLM prefixes every key with `<ns>:`). */
const NAMESPACE = "litellm.cache";

describeWithTools(
  "the response cache in the real Redis",
  ["litellm (.venv-e2e)", "redis-server", "redis-cli"],
  () => {
    let plan: Plan;
    let ollama: StubServer;
    let layer: RunningLayer;
    let client: OpenAI;
    const cli = (...args: string[]) => redisCli(layer.redis!.port, layer.redis!.password, args);
    // Response entries are `<namespace>:<sha256 of the request>` (litellm/caching/caching.py get_cache_key,
    // _add_namespace_to_cache_key). The proxy's rate-limit counters share the namespace
    // (`litellm.cache:{api_key:…}:tokens`), so they are left out.
    const responseKey = /^[^:]+:[0-9a-f]{64}$/;
    const cacheKeys = () =>
      cli("--scan", "--pattern", `${NAMESPACE}:*`)
        .split("\n")
        .map((k) => k.replace(/^"|"$/g, ""))
        .filter((k) => responseKey.test(k));

    let dev: DevLayer | undefined;
    beforeAll(async () => {
      plan = devPlan();
      expect(plan.cache.enabled).toBe(true);
      dev = await startDevLayer(plan);
      ({ ollama, layer, client } = dev);
    });
    afterAll(() => dev?.stop());

    it("the same request twice reaches the model once; Redis holds it under the namespace with the rendered TTL", async () => {
      const request = {
        model: "chat",
        messages: [{ role: "user" as const, content: `cache me ${Math.random()}` }],
      };
      ollama.clear();
      const before = new Set(cacheKeys());
      const first = await client.chat.completions.create(request);
      // LiteLLM writes the cache entry after answering (an async success callback): wait for the key to appear.
      let added: string[] = [];
      for (let i = 0; i < 40 && added.length === 0; i++) {
        added = cacheKeys().filter((k) => !before.has(k));
        if (added.length === 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(added).toHaveLength(1);
      const ttl = Number(cli("TTL", added[0]!).replace(/^\(integer\) /, ""));
      expect(ttl).toBeLessThanOrEqual(plan.cache.ttlSeconds);
      expect(ttl).toBeGreaterThan(plan.cache.ttlSeconds - 30);
      const second = await client.chat.completions.create(request);
      expect(second.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
      expect(ollama.calls("/api/chat")).toHaveLength(1);
    });

    it("a different request misses the cache and reaches the model", async () => {
      ollama.clear();
      await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: `one ${Math.random()}` }],
      });
      await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: `two ${Math.random()}` }],
      });
      expect(ollama.calls("/api/chat")).toHaveLength(2);
    });

    it("embeddings are cached too (supported_call_types lists aembedding)", async () => {
      ollama.clear();
      const request = {
        model: "embed",
        input: [`embed ${Math.random()}`],
        encoding_format: "float" as const,
      };
      await client.embeddings.create(request);
      await new Promise((r) => setTimeout(r, 1000));
      await client.embeddings.create(request);
      expect(ollama.calls("/api/embed")).toHaveLength(1);
    });
  },
);
