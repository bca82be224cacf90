import { json, replyText, StubServer } from "./stubServer";

/**
 * An Ollama API stub with the endpoints LiteLLM 1.104.9 calls (its source, litellm/llms/ollama/):
 * - `ollama_chat/`: POST {api_base}/api/chat (chat/transformation.py get_complete_url); a non-streaming reply is
 *   one JSON object with `message`, `done_reason`, `prompt_eval_count`, `eval_count` (transform_response); a
 *   streaming reply is newline-delimited JSON chunks, the last with `done: true` and the counts
 *   (OllamaChatCompletionResponseIterator.chunk_parser, _done_chunk_usage).
 * - `ollama/` embeddings: POST {api_base}/api/embed with `input` (a list); reply `embeddings` (a list of vectors)
 *   and `prompt_eval_count` (completion/handler.py ollama_aembeddings, _process_ollama_embedding_response).
 * Not here: POST /api/generate, which `ollama/` uses for chat (completion/transformation.py); renderLiteLlmConfig
 * routes chat through `ollama_chat/` and uses `ollama/` only for embeddings, so LiteLLM never calls it.
 * - POST /api/show: model info (common_utils.py get_runtime_model_info; a failure there only falls back to
 *   defaults). GET /api/tags: the model list (common_utils.py, used for wildcard routes).
 */
/**
 * What the stub's POST /api/pull knows: tags in `registry` can be pulled (they join the local list, which GET
 * /api/tags shows); others get the error Ollama streams for a tag the registry lacks. The stream has the shape of
 * ollama server/images.go PullModel: "pulling manifest", one "pulling <digest>" line per progress step with
 * `digest`/`total`/`completed`, "verifying sha256 digest", "writing manifest", "success".
 */
export interface OllamaStubRegistry {
  readonly registry?: readonly string[];
}

const fullTag = (tag: string) => (tag.includes(":") ? tag : `${tag}:latest`);

export function ollamaStub(tags: readonly string[], opts: OllamaStubRegistry = {}): StubServer {
  const local = new Set(tags);
  const created_at = () => new Date().toISOString();
  return new StubServer("ollama", {
    "POST /api/chat": (_req, body, res) => {
      const model = body?.model as string | undefined;
      const text = replyText("ollama", model);
      if (body?.stream !== true) {
        return json(res, 200, {
          model,
          created_at: created_at(),
          message: { role: "assistant", content: text },
          done_reason: "stop",
          done: true,
          prompt_eval_count: 7,
          eval_count: 5,
        });
      }
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      for (const word of text.split(" ")) {
        const chunk = {
          model,
          created_at: created_at(),
          message: { role: "assistant", content: `${word} ` },
        };
        res.write(`${JSON.stringify({ ...chunk, done: false })}\n`);
      }
      res.end(
        `${JSON.stringify({
          model,
          created_at: created_at(),
          message: { role: "assistant", content: "" },
          done_reason: "stop",
          done: true,
          prompt_eval_count: 7,
          eval_count: 5,
        })}\n`,
      );
    },
    "POST /api/embed": (_req, body, res) => {
      const input = body?.input;
      const n = Array.isArray(input) ? input.length : 1;
      json(res, 200, {
        model: body?.model,
        embeddings: Array.from({ length: n }, (_, i) => [0.1 * (i + 1), 0.2, 0.3, 0.4]),
        prompt_eval_count: 3 * n,
      });
    },
    "POST /api/show": (_req, body, res) =>
      json(res, 200, { modelfile: "", parameters: "", template: "", model_info: { name: body?.model } }),
    "GET /api/tags": (_req, _body, res) =>
      json(res, 200, {
        models: [...local].map((name) => ({ name, model: name, modified_at: created_at() })),
      }),
    "POST /api/pull": (_req, body, res) => {
      const tag = String(body?.model ?? "");
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      const line = (v: unknown) => res.write(`${JSON.stringify(v)}\n`);
      line({ status: "pulling manifest" });
      if (!(opts.registry ?? []).map(fullTag).includes(fullTag(tag))) {
        line({ error: "pull model manifest: file does not exist" });
        return void res.end();
      }
      const digest = `sha256:${"ab".repeat(32)}`;
      const total = 2_000_000_000;
      for (let completed = 0; completed <= total; completed += total / 4) {
        line({ status: `pulling ${digest.slice(7, 19)}`, digest, total, completed });
      }
      for (const status of ["verifying sha256 digest", "writing manifest", "success"]) line({ status });
      local.add(fullTag(tag));
      res.end();
    },
  });
}
