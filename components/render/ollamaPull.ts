import type { OllamaModel } from "../plan";

/** The env var the pull script reads the Ollama base URL from. */
export const OLLAMA_PULL_URL_ENV = "AI_LAYER_OLLAMA_URL";

/**
 * The model pull, as one standalone Python 3 script (standard library only): `up` runs it in a throwaway container
 * of the gateway image on the layer's network (components/docker/ollamaModels.ts), before the gateway is created,
 * so it reaches Ollama exactly as the gateway will — the Ollama container by its alias, or the host's own Ollama
 * through host.docker.internal — and the gateway answers right after `up`. The gateway image has python3 (its
 * health check runs `python3 -c "import urllib.request …"`, components/render/services.ts).
 *
 * What it relies on in the Ollama API (ollama/ollama docs/api.md; server/routes.go PullHandler, server/images.go
 * PullModel):
 * - GET /api/tags lists local models as `{ "models": [{ "name": "llama3.1:8b", … }] }`; a tag without `:` is
 *   `:latest`.
 * - POST /api/pull `{ "model", "stream": true }` answers newline-delimited JSON: `{ status }` lines ("pulling
 *   manifest", "pulling <digest>" with `total`/`completed` bytes, "verifying sha256 digest", "writing manifest",
 *   "success"), or `{ error }` (a tag the registry lacks: "pull model manifest: file does not exist"). Present tags
 *   are skipped, so a second run pulls nothing.
 * Output: one line per step and one per 10% of each layer, which `pulumi up` shows as they come.
 */
export function renderOllamaPullScript(models: readonly OllamaModel[], timeoutSeconds: number): string {
  const tags = [...new Set(models.map((m) => m.ollamaTag))];
  return `# Rendered by ai-layer (renderOllamaPullScript): pull the layer's models through the Ollama API.
import json, os, sys, time, urllib.error, urllib.request

TAGS = ${JSON.stringify(tags)}
BASE = os.environ.get("${OLLAMA_PULL_URL_ENV}", "").rstrip("/")
DEADLINE = time.monotonic() + ${timeoutSeconds}


def say(line):
    print("ai-layer: " + line, flush=True)


def fail(line):
    print("ai-layer: " + line, file=sys.stderr, flush=True)
    sys.exit(1)


def full(tag):
    return tag if ":" in tag else tag + ":latest"


def left():
    remaining = DEADLINE - time.monotonic()
    if remaining <= 0:
        fail("the pull did not finish in ${timeoutSeconds} s (layer.target.modelPullTimeoutSeconds); run up again to resume")
    return remaining


def installed():
    try:
        with urllib.request.urlopen(BASE + "/api/tags", timeout=min(15, left())) as res:
            body = json.load(res)
    except urllib.error.HTTPError as e:
        fail("Ollama at " + BASE + " answered GET /api/tags with HTTP " + str(e.code) + ": is it Ollama?")
    except (urllib.error.URLError, OSError) as e:
        fail(
            "no Ollama answers at " + BASE + " (" + str(getattr(e, "reason", e)) + "). If it is the host's own "
            "Ollama: install it (https://ollama.com/download) and start it (open the Ollama app, or run "
            "\`ollama serve\`); on Linux let containers reach it (OLLAMA_HOST=0.0.0.0, or the docker0 address), "
            "or set layer.target.ollama.url."
        )
    return {full(m.get("name") or m.get("model")) for m in body.get("models") or []}


def pull(tag):
    say("pulling " + tag)
    request = urllib.request.Request(
        BASE + "/api/pull",
        data=json.dumps({"model": tag, "stream": True}).encode(),
        headers={"content-type": "application/json"},
    )
    shown = {}
    status = ""
    try:
        with urllib.request.urlopen(request, timeout=min(300, left())) as res:
            for raw in res:
                if not raw.strip():
                    continue
                event = json.loads(raw)
                if event.get("error"):
                    fail("pulling " + tag + " failed: " + event["error"] + " (is the tag right? https://ollama.com/library)")
                status = event.get("status", status)
                total, done = event.get("total"), event.get("completed")
                if total and done is not None:
                    tenth = int(done * 10 // total)
                    if shown.get(event.get("digest")) != tenth:
                        shown[event.get("digest")] = tenth
                        say("%s: %s %d%% (%.2f of %.2f GB)" % (tag, status, tenth * 10, done / 1e9, total / 1e9))
                elif not event.get("digest"):
                    say(tag + ": " + status)
                left()
    except (urllib.error.URLError, OSError) as e:
        fail("pulling " + tag + " from " + BASE + " failed: " + str(getattr(e, "reason", e)) + "; run up again to resume")
    if status != "success":
        fail("pulling " + tag + " ended without success (last status: " + (status or "none") + ")")


if not BASE:
    fail("${OLLAMA_PULL_URL_ENV} is not set")
present = installed()
for tag in TAGS:
    if full(tag) in present:
        say(tag + " is already pulled")
    else:
        pull(tag)
missing = [t for t in TAGS if full(t) not in installed()]
if missing:
    fail("after pulling, Ollama still lacks " + ", ".join(missing))
say("all %d models are in Ollama at %s" % (len(TAGS), BASE))
`;
}
