import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { isVllm, type Plan, type VllmModel } from "../../components/plan";
import { gatewayClient } from "./devLayer";
import { startLayer, TEST_SECRETS, type RunningLayer } from "./layer";
import { kubernetesPlan } from "./plans";
import { openAiStub } from "./stubs/openai";
import type { StubServer } from "./stubs/stubServer";
import { describeWithTools } from "./tools";

describeWithTools(
  "a Kubernetes-style gateway (hosted_vllm routes, a remote fallback) answers for real",
  ["litellm (.venv-e2e)", "redis-server"],
  () => {
    let plan: Plan;
    let vllm: StubServer;
    let remote: StubServer;
    let layer: RunningLayer;
    let client: OpenAI;
    const served = (p: Plan) => p.models.filter(isVllm).map((m) => m.name);

    beforeAll(async () => {
      remote = await openAiStub("remote", ["remote-large"]).start();
      plan = kubernetesPlan(`${remote.url}/v1`);
      vllm = await openAiStub("vllm", served(plan)).start();
      // Every track's Service points at the one vLLM stub, as `${vllm}/v1` (the base hosted_vllm expects).
      layer = await startLayer({ plan, endpoints: { vllm: () => `${vllm.url}/v1` } });
      client = gatewayClient(layer);
    });
    afterAll(async () => {
      await layer?.stop();
      await vllm?.stop();
      await remote?.stop();
    });

    it("/v1/models lists exactly the config's names", async () => {
      const models = await client.models.list();
      expect(models.data.map((m) => m.id).sort()).toEqual(plan.models.map((m) => m.name).sort());
    });

    it("each chat name reaches its upstream with the upstream's model id and key, plain and streaming", async () => {
      const expected = plan.models
        .filter((m) => m.kind === "chat")
        .map((m) =>
          isVllm(m)
            ? { name: m.name, stub: vllm, id: (m as VllmModel).name, key: TEST_SECRETS.vllmApiKey }
            : { name: m.name, stub: remote, id: "remote-large", key: TEST_SECRETS.remoteApiKey },
        );
      expect(expected.map((e) => e.stub.name).sort()).toEqual(["remote", "vllm"]);
      for (const e of expected) {
        e.stub.clear();
        const plain = await client.chat.completions.create({
          model: e.name,
          messages: [{ role: "user", content: `plain ${e.name} ${Math.random()}` }],
        });
        expect(plain.choices[0]!.message.content).toBe(`hello from ${e.stub.name} ${e.id}`);
        let streamed = "";
        const stream = await client.chat.completions.create({
          model: e.name,
          stream: true,
          messages: [{ role: "user", content: `stream ${e.name} ${Math.random()}` }],
        });
        for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
        expect(streamed.trim()).toBe(`hello from ${e.stub.name} ${e.id}`);
        const calls = e.stub.calls("/v1/chat/completions");
        expect(calls.map((c) => [c.model, c.stream, c.authorization])).toEqual([
          [e.id, false, `Bearer ${e.key}`],
          [e.id, true, `Bearer ${e.key}`],
        ]);
      }
    });

    it("embedding names answer /v1/embeddings from vLLM with its key", async () => {
      for (const m of plan.models.filter(isVllm).filter((x) => x.kind === "embedding")) {
        vllm.clear();
        const r = await client.embeddings.create({ model: m.name, input: [`embed ${Math.random()}`] });
        // The openai client asks for base64 by default; hosted_vllm passes that on and vLLM honours it.
        expect(r.data[0]!.embedding.map((x) => Math.round(x * 10) / 10)).toEqual([0.1, 0.2, 0.3, 0.4]);
        expect(vllm.calls("/v1/embeddings").map((c) => [c.model, c.authorization])).toEqual([
          [m.name, `Bearer ${TEST_SECRETS.vllmApiKey}`],
        ]);
      }
    });

    it("chat failing on vLLM is answered by the remote fallback, after its retries", async () => {
      const [from, to] = Object.entries(plan.gateway.fallbacks)[0]!;
      vllm.clear();
      remote.clear();
      vllm.fail(from, 500);
      try {
        const r = await client.chat.completions.create({
          model: from,
          messages: [{ role: "user", content: `fallback ${Math.random()}` }],
        });
        expect(to).toEqual(["overflow"]);
        expect(r.choices[0]!.message.content).toBe("hello from remote remote-large");
      } finally {
        vllm.healAll();
      }
      const order = [...vllm.requests, ...remote.requests]
        .filter((r) => r.path === "/v1/chat/completions")
        .sort((a, b) => a.at - b.at)
        .map((r) => r.model);
      expect(order).toEqual([...Array(plan.gateway.numRetries + 1).fill(from), "remote-large"]);
    });
  },
);
