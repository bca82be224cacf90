/**
 * The smoke check of a running layer: every model name through the gateway with the official `openai` client, the
 * way an app calls it, and one request repeated to see the response cache answer.
 *
 * What it reads from LiteLLM's responses (litellm/proxy/common_request_processing.py get_custom_headers, 1.104.9):
 * `x-litellm-model-id` is the deployment that served the call (renderLiteLlmConfig sets ids like `chat-ollama`,
 * `chat-vllm-stable`), `x-litellm-model-api-base` its upstream URL, and `x-litellm-cache-key` is set only when the
 * response came from the cache (litellm/caching/caching_handler.py puts `cache_key` in the hidden params of a cached
 * result only).
 */
import OpenAI from "openai";

export interface SmokeModel {
  /** The name clients send as `model`. */
  readonly name: string;
  readonly kind: "chat" | "embedding";
}

export interface SmokeTarget {
  /** Gateway base URL without `/v1`, e.g. http://127.0.0.1:4000. */
  readonly url: string;
  /** A key the gateway accepts (the master key, or a client key). */
  readonly key: string;
  readonly models: readonly SmokeModel[];
  /** Whether the layer caches responses: then the repeated request must be a cache hit. */
  readonly cacheEnabled: boolean;
}

export interface SmokeRow {
  readonly name: string;
  readonly check: "chat (stream)" | "embeddings" | "chat (repeat)";
  /** The deployment that answered (x-litellm-model-id), or "-". */
  readonly servedBy: string;
  /** Time to the first streamed token (chat) or to the whole reply (embeddings, repeat), ms. */
  readonly firstByteMs?: number;
  readonly tokensPerSecond?: number;
  /** Whether the answer came from the response cache (the repeat only). */
  readonly cacheHit?: boolean;
  /** "ok", or what went wrong, with the gateway's status and message. */
  readonly status: string;
}

/**
 * The prompt, unique per run: the per-model checks must reach the model, not the response cache (LiteLLM caches
 * streamed replies too: a fixed prompt answered from Redis hid a model that was down, found by the e2e test).
 */
const prompt = (run: string) => `Reply with one short sentence: is the layer up? (smoke ${run})`;

/** The gateway's error as a user reads it: HTTP status and LiteLLM's message. */
export function gatewayError(e: unknown): string {
  if (e instanceof OpenAI.APIError) {
    const body = e.error as { message?: string } | undefined;
    return `HTTP ${e.status ?? "?"}: ${body?.message ?? e.message}`.replace(/\s+/g, " ").slice(0, 300);
  }
  const err = e as { message?: string; cause?: { code?: string } };
  return `${err.cause?.code ?? ""} ${err.message ?? String(e)}`.trim();
}

async function chatStream(client: OpenAI, model: string, run: string): Promise<SmokeRow> {
  const start = performance.now();
  const { data: stream, response } = await client.chat.completions
    .create({
      model,
      messages: [{ role: "user", content: prompt(run) }],
      max_tokens: 32,
      stream: true,
      stream_options: { include_usage: true },
    })
    .withResponse();
  let first: number | undefined;
  let chunks = 0;
  let completionTokens: number | undefined;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) {
      first ??= performance.now();
      chunks++;
    }
    if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
  }
  const end = performance.now();
  if (first === undefined) throw new Error("the stream ended without any content");
  const tokens = completionTokens ?? chunks;
  const generating = (end - first) / 1000;
  return {
    name: model,
    check: "chat (stream)",
    servedBy: response.headers.get("x-litellm-model-id") ?? "-",
    firstByteMs: first - start,
    ...(generating > 0 ? { tokensPerSecond: tokens / generating } : {}),
    status: "ok",
  };
}

async function embed(client: OpenAI, model: string, run: string): Promise<SmokeRow> {
  const start = performance.now();
  // Floats: LiteLLM's ollama/ embeddings ignore base64 (see README), and vLLM honours either.
  const { data, response } = await client.embeddings
    .create({ model, input: prompt(run), encoding_format: "float" })
    .withResponse();
  const vector = data.data[0]?.embedding;
  if (!Array.isArray(vector) || vector.length === 0) throw new Error("the reply has no embedding vector");
  return {
    name: model,
    check: "embeddings",
    servedBy: response.headers.get("x-litellm-model-id") ?? "-",
    firstByteMs: performance.now() - start,
    status: "ok",
  };
}

/** The same request twice; the second should come from the cache (a run-unique prompt makes the first a miss). */
async function repeat(client: OpenAI, model: string, run: string, cacheEnabled: boolean): Promise<SmokeRow> {
  const body = {
    model,
    messages: [{ role: "user" as const, content: `${prompt(run)} (repeat)` }],
    max_tokens: 16,
  };
  await client.chat.completions.create(body);
  const start = performance.now();
  const { response } = await client.chat.completions.create(body).withResponse();
  const hit = response.headers.get("x-litellm-cache-key") !== null;
  return {
    name: model,
    check: "chat (repeat)",
    servedBy: hit ? "cache" : (response.headers.get("x-litellm-model-id") ?? "-"),
    firstByteMs: performance.now() - start,
    cacheHit: hit,
    status: hit || !cacheEnabled ? "ok" : "no cache hit: is Redis up? (the gateway answered, uncached)",
  };
}

/** Runs every check; a failing one becomes a row with its error, so one broken model does not hide the rest. */
export async function runSmoke(target: SmokeTarget, timeoutMs = 120_000): Promise<SmokeRow[]> {
  const client = new OpenAI({
    baseURL: `${target.url.replace(/\/+$/, "")}/v1`,
    apiKey: target.key,
    maxRetries: 0,
    timeout: timeoutMs,
  });
  const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const rows: SmokeRow[] = [];
  const attempt = async (model: SmokeModel, check: SmokeRow["check"], run: () => Promise<SmokeRow>) => {
    try {
      rows.push(await run());
    } catch (e) {
      rows.push({ name: model.name, check, servedBy: "-", status: gatewayError(e) });
    }
  };
  for (const m of target.models) {
    if (m.kind === "chat") await attempt(m, "chat (stream)", () => chatStream(client, m.name, run));
    else await attempt(m, "embeddings", () => embed(client, m.name, run));
  }
  const firstChat = target.models.find((m) => m.kind === "chat");
  if (firstChat) {
    await attempt(firstChat, "chat (repeat)", () => repeat(client, firstChat.name, run, target.cacheEnabled));
  }
  return rows;
}

const ms = (n?: number) => (n === undefined ? "-" : `${Math.round(n)} ms`);

/** The result as a Markdown-style table a terminal shows well. */
export function formatSmokeTable(rows: readonly SmokeRow[]): string {
  const table = [
    ["name", "check", "served by", "first token", "tokens/s", "cache hit", "status"],
    ...rows.map((r) => [
      r.name,
      r.check,
      r.servedBy,
      ms(r.firstByteMs),
      r.tokensPerSecond === undefined ? "-" : r.tokensPerSecond.toFixed(1),
      r.cacheHit === undefined ? "-" : r.cacheHit ? "yes" : "no",
      r.status,
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(table[0]!),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...table.slice(1).map(line),
  ].join("\n");
}
