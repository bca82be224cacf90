import type { OllamaModel } from "../plan";

/**
 * The model pull for the host's own Ollama (target.ollama.on: host), as one standalone Node ES module: `up` runs it
 * before creating the gateway (a command resource, and `npm run up` before Pulumi starts, in the terminal), so the
 * gateway answers right away, as on the container path. Plain Node ≥18 (global fetch), no dependencies: the command
 * provider runs it with `node --input-type=module -e`.
 *
 * What it relies on in the Ollama API (ollama/ollama docs/api.md, server/routes.go):
 * - GET /api/tags lists local models as `{ models: [{ name: "llama3.1:8b", … }] }`; a tag without `:` is `:latest`.
 * - POST /api/pull `{ model, stream: true }` answers newline-delimited JSON: `{ status }` lines ("pulling manifest",
 *   "pulling <digest>" with `total`/`completed` bytes, "verifying sha256 digest", "writing manifest", "success"),
 *   or `{ error }` (e.g. a tag the registry lacks: "pull model manifest: file does not exist"). Pulling a tag that is
 *   present only re-checks its manifest, so the step is idempotent; it skips present tags to stay quiet and fast.
 * Input: AI_LAYER_OLLAMA_URL (the base URL). Output: one line per step and a line per 10% of each layer.
 */
export function renderOllamaPullScript(models: readonly OllamaModel[], timeoutSeconds: number): string {
  const tags = [...new Set(models.map((m) => m.ollamaTag))];
  return `// Rendered by ai-layer (renderOllamaPullScript): pull the layer's models into the host's Ollama.
const tags = ${JSON.stringify(tags)};
const base = (process.env.AI_LAYER_OLLAMA_URL ?? "").replace(/\\/+$/, "");
const deadline = AbortSignal.timeout(${timeoutSeconds * 1000});
const say = (line) => console.log("ai-layer: " + line);
const fail = (line) => {
  console.error("ai-layer: " + line);
  process.exit(1);
};
const full = (tag) => (tag.includes(":") ? tag : tag + ":latest");
if (!base) fail("AI_LAYER_OLLAMA_URL is not set");

async function installed() {
  let res;
  try {
    res = await fetch(base + "/api/tags", { signal: AbortSignal.timeout(15000) });
  } catch (e) {
    fail(
      "no Ollama answers at " + base + " (" + (e.cause?.code ?? e.cause?.message ?? e.message) + "). " +
        "Install Ollama (https://ollama.com/download) and start it (open the Ollama app, or run \`ollama serve\`), " +
        "or point layer.target.ollama.pullUrl at the one you run.",
    );
  }
  if (!res.ok) fail("Ollama at " + base + " answered GET /api/tags with HTTP " + res.status + ": is it Ollama?");
  const body = await res.json();
  return new Set((body.models ?? []).map((m) => full(m.name ?? m.model)));
}

async function pull(tag) {
  say("pulling " + tag);
  let res;
  try {
    res = await fetch(base + "/api/pull", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: tag, stream: true }),
      signal: deadline,
    });
  } catch (e) {
    fail("pulling " + tag + " from " + base + " failed: " + (e.cause?.code ?? e.message));
  }
  if (!res.ok && !res.body) fail("pulling " + tag + ": HTTP " + res.status);
  const shown = new Map();
  let rest = "";
  let status = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split("\\n");
    rest = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line);
      if (event.error) fail("pulling " + tag + " failed: " + event.error + " (is the tag right? https://ollama.com/library)");
      status = event.status ?? status;
      if (event.total && event.completed !== undefined) {
        const tenth = Math.floor((event.completed / event.total) * 10);
        if (shown.get(event.digest) !== tenth) {
          shown.set(event.digest, tenth);
          const gb = (n) => (n / 1e9).toFixed(2);
          say(tag + ": " + status + " " + tenth * 10 + "% (" + gb(event.completed) + " of " + gb(event.total) + " GB)");
        }
      } else if (!event.digest) say(tag + ": " + status);
    }
  }
  if (status !== "success") fail("pulling " + tag + " ended without success (last status: " + (status || "none") + ")");
}

try {
  const present = await installed();
  for (const tag of tags) {
    if (present.has(full(tag))) say(tag + " is already pulled");
    else await pull(tag);
  }
  const after = await installed();
  const missing = tags.filter((t) => !after.has(full(t)));
  if (missing.length) fail("after pulling, Ollama still lacks " + missing.join(", "));
  say("all " + tags.length + " models are in the host's Ollama at " + base);
} catch (e) {
  if (e.name === "TimeoutError" || deadline.aborted)
    fail("the pull did not finish in ${timeoutSeconds} s (layer.target.modelPullTimeoutSeconds); run it again to resume");
  fail(String(e?.stack ?? e));
}
`;
}
