import type { OllamaModel } from "../plan";

/** Where the scripts are uploaded in the Ollama container. */
export const OLLAMA_ENTRYPOINT_PATH = "/usr/local/bin/ai-layer-ollama-entrypoint.sh";
export const OLLAMA_HEALTHCHECK_PATH = "/usr/local/bin/ai-layer-ollama-ready.sh";

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Entrypoint of the Ollama container: start the server, pull every model the layer serves (progress goes to
 * the container log), then keep serving. The image has no curl/wget, so everything goes through the `ollama`
 * CLI, which talks to OLLAMA_HOST (runtime-facts.md §C).
 */
export function renderOllamaEntrypoint(models: readonly OllamaModel[]): string {
  const tags = [...new Set(models.map((m) => m.ollamaTag))];
  return `#!/bin/sh
# Rendered by ai-layer (renderOllamaEntrypoint): serve, then pre-pull the layer's models.
set -eu

/bin/ollama serve &
server=$!
trap 'kill "$server" 2>/dev/null; exit 143' TERM INT

until /bin/ollama list >/dev/null 2>&1; do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "ai-layer: ollama serve exited before it was ready" >&2
    exit 1
  fi
  sleep 1
done

# The tags as positional parameters: one quoted word each, and no single-word loop for shellcheck to flag.
set -- ${tags.map(shellQuote).join(" ")}
for tag in "$@"; do
  echo "ai-layer: pulling $tag"
  attempt=1
  until /bin/ollama pull "$tag"; do
    if [ "$attempt" -ge 3 ]; then
      echo "ai-layer: could not pull $tag after $attempt attempts" >&2
      kill "$server" 2>/dev/null || true
      exit 1
    fi
    attempt=$((attempt + 1))
    sleep 5
  done
done
echo "ai-layer: all models pulled"

wait "$server"
`;
}

/**
 * Healthcheck: healthy only once the server answers and every model is present, so the gateway (created after
 * Ollama is healthy) answers right after \`pulumi up\`.
 */
export function renderOllamaHealthcheck(models: readonly OllamaModel[]): string {
  const tags = [...new Set(models.map((m) => m.ollamaTag))];
  return `#!/bin/sh
# Rendered by ai-layer (renderOllamaHealthcheck): ready when every model of the layer is pulled.
set -eu
installed=$(/bin/ollama list) || exit 1
set -- ${tags.map(shellQuote).join(" ")}
for tag in "$@"; do
  case "$tag" in
    *:*) want="$tag" ;;
    *) want="$tag:latest" ;;
  esac
  printf '%s\\n' "$installed" | awk 'NR > 1 { print $1 }' | grep -qxF "$want" || exit 1
done
`;
}
