import { json, replyText, StubServer } from "./stubServer";

/**
 * vLLM's metric names the rendered dashboards and alerts read (vllm-project/vllm vllm/v1/metrics/loggers.py
 * PrometheusStatLogger at v0.25.1; test/fixtures/known-metrics.json), exposed with the `model_name` label vLLM
 * sets. Values are fixed: the stub has no engine, only the names and types matter to a scrape.
 */
const VLLM_GAUGES = ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"];
const VLLM_COUNTERS = ["vllm:prompt_tokens", "vllm:generation_tokens", "vllm:num_preemptions"];
const VLLM_HISTOGRAMS = [
  "vllm:time_to_first_token_seconds",
  "vllm:inter_token_latency_seconds",
  "vllm:e2e_request_latency_seconds",
];

function vllmMetrics(served: readonly string[]): string {
  const lines: string[] = [];
  for (const name of VLLM_GAUGES) {
    lines.push(`# TYPE ${name} gauge`);
    for (const m of served) lines.push(`${name}{model_name="${m}"} 0`);
  }
  for (const name of VLLM_COUNTERS) {
    lines.push(`# TYPE ${name} counter`);
    for (const m of served) lines.push(`${name}_total{model_name="${m}"} 0`);
  }
  for (const name of VLLM_HISTOGRAMS) {
    lines.push(`# TYPE ${name} histogram`);
    for (const m of served) {
      for (const le of ["0.1", "1", "+Inf"]) lines.push(`${name}_bucket{model_name="${m}",le="${le}"} 0`);
      lines.push(`${name}_sum{model_name="${m}"} 0`, `${name}_count{model_name="${m}"} 0`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * An OpenAI-compatible server as vLLM's `vllm serve` exposes it: POST /v1/chat/completions (JSON, or SSE chunks
 * ending in `data: [DONE]` when `stream` is true), POST /v1/embeddings, GET /v1/models, GET /health, GET /metrics.
 * `served` are the model ids it answers to in /v1/models and /metrics.
 */
export function openAiStub(name: string, served: readonly string[]): StubServer {
  const created = () => Math.floor(Date.now() / 1000);
  return new StubServer(name, {
    "POST /v1/chat/completions": (_req, body, res) => {
      const model = body?.model as string | undefined;
      const text = replyText(name, model);
      const id = `chatcmpl-${name}-${Date.now()}`;
      const usage = { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 };
      if (body?.stream !== true) {
        return json(res, 200, {
          id,
          object: "chat.completion",
          created: created(),
          model,
          choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
          usage,
        });
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const chunk = (delta: object, finish: string | null, extra: object = {}) =>
        `data: ${JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created: created(),
          model,
          choices: [{ index: 0, delta, finish_reason: finish }],
          ...extra,
        })}\n\n`;
      res.write(chunk({ role: "assistant", content: "" }, null));
      for (const word of text.split(" ")) res.write(chunk({ content: `${word} ` }, null));
      res.write(chunk({}, "stop", { usage }));
      res.end("data: [DONE]\n\n");
    },
    "POST /v1/embeddings": (_req, body, res) => {
      const input = body?.input;
      const n = Array.isArray(input) ? input.length : 1;
      json(res, 200, {
        object: "list",
        model: body?.model,
        data: Array.from({ length: n }, (_, i) => {
          const vector = [0.1 * (i + 1), 0.2, 0.3, 0.4];
          // vLLM honours encoding_format "base64": little-endian float32 bytes, base64-encoded (as OpenAI does).
          const embedding =
            body?.encoding_format === "base64"
              ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
              : vector;
          return { object: "embedding", index: i, embedding };
        }),
        usage: { prompt_tokens: 3 * n, total_tokens: 3 * n },
      });
    },
    "GET /v1/models": (_req, _body, res) =>
      json(res, 200, {
        object: "list",
        data: served.map((id) => ({ id, object: "model", created: created(), owned_by: "vllm" })),
      }),
    "GET /health": (_req, _body, res) => {
      res.writeHead(200);
      res.end();
    },
    "GET /metrics": (_req, _body, res) => {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(vllmMetrics(served));
    },
  });
}
