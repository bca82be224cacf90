import { PULL_IMAGE_FUNCTION, READ_PARAMETER_FUNCTION, shellQuote, withinUserDataLimit } from "./bootScript";
import { HF_CACHE_PATH } from "./vllmArgs";

/** Root-only env file the vLLM container reads its secrets from (`docker run --env-file`). */
export const VLLM_ENV_DIR = "/etc/ai-layer";
export const VLLM_ENV_FILE = `${VLLM_ENV_DIR}/vllm.env`;
/** Host directory of the Hugging Face cache (on the encrypted root volume), mounted at HF_CACHE_PATH. */
export const VLLM_HOST_CACHE_DIR = "/opt/ai-layer/huggingface";
/** Name of the vLLM container on the instance (`docker logs vllm`). */
export const VLLM_CONTAINER_NAME = "vllm";

export interface VllmUserDataInput {
  /** AWS region of the SSM parameters (the instance's own region). */
  readonly region: string;
  /** Pinned vLLM image reference, e.g. `vllm/vllm-openai:v0.25.1`: the only thing the script pulls. */
  readonly image: string;
  /** Arguments after `vllm serve` (renderVllmArgs), passed to the container in this order. */
  readonly vllmArgs: readonly string[];
  /** Port vLLM serves on; published on the same host port (the target group's port). */
  readonly port: number;
  /**
   * Secrets to read at boot: env var name (VLLM_API_KEY, HF_TOKEN) → SSM Parameter Store name of a
   * SecureString. Only names are here; values never enter user data.
   */
  readonly secretParameters: Readonly<Record<string, string>>;
  /** Stack and track the script is for; only named in a header comment. Optional. */
  readonly stack?: string;
  readonly track?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Header values go into a comment line, where a newline would start a command: allow a plain charset only.
const LABEL = /^[A-Za-z0-9_.:@/-]+$/;

function check(input: VllmUserDataInput): void {
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
    throw new Error(`vLLM user data: port ${input.port} is not a TCP port`);
  if (!input.image.trim()) throw new Error("vLLM user data: image is empty");
  if (input.vllmArgs.length === 0) throw new Error("vLLM user data: no vLLM args (the model comes first)");
  for (const env of Object.keys(input.secretParameters))
    if (!ENV_NAME.test(env)) throw new Error(`vLLM user data: ${JSON.stringify(env)} is not an env var name`);
  for (const [what, value] of [
    ["stack", input.stack],
    ["track", input.track],
  ] as const)
    if (value !== undefined && !LABEL.test(value))
      throw new Error(
        `vLLM user data: ${what} ${JSON.stringify(value)} has characters a comment cannot hold`,
      );
}

/**
 * User data (bash) of a GPU instance running one vLLM server. The AMI (Deep Learning Base OSS Nvidia Driver GPU
 * AMI, Amazon Linux 2023) ships the NVIDIA driver, Docker with the NVIDIA Container Toolkit and the AWS CLI, so the
 * script installs nothing: it reads the secrets from SSM Parameter Store with the instance role into a root-only
 * env file, pulls the pinned image and starts vLLM, which downloads the weights itself. User data is stored in
 * clear text in the Pulumi state (aws v7), so it carries parameter names only. Same input, same bytes.
 */
export function renderVllmUserData(input: VllmUserDataInput): string {
  check(input);
  const q = shellQuote;
  const label = [input.stack && `stack ${input.stack}`, input.track && `track ${input.track}`]
    .filter(Boolean)
    .join(", ");
  const secrets = Object.entries(input.secretParameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const port = String(input.port);
  // A "$" or backtick inside single quotes is meant literally; say so, or shellcheck reports SC2016.
  const literalNote = input.vllmArgs.some((a) => /[$`]/.test(a))
    ? "# shellcheck disable=SC2016 # single-quoted: nothing in these words expands\n"
    : "";
  return withinUserDataLimit(
    `#!/bin/bash
# ai-layer: vLLM server${label ? ` for ${label}` : ""} (renderVllmUserData).
# No secret values here: user data sits in clear text in the Pulumi state. Secrets come from SSM at boot.
set -euo pipefail

readonly REGION=${q(input.region)}
readonly IMAGE=${q(input.image)}
readonly ENV_DIR=${q(VLLM_ENV_DIR)}
readonly ENV_FILE="$ENV_DIR/vllm.env"
readonly CACHE_DIR=${q(VLLM_HOST_CACHE_DIR)}

# The AMI provides these; installing them here would fetch unpinned software at every boot.
for tool in aws docker; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "ai-layer: $tool is missing; use the Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023)" >&2
    exit 1
  fi
done
systemctl enable --now docker

${READ_PARAMETER_FUNCTION}
${PULL_IMAGE_FUNCTION}
# Appends NAME=value to the env file being written; the value is never echoed.
add_secret() {
  local value
  value="$(read_parameter "$2")"
  if [[ -z "$value" || "$value" == *$'\\n'* ]]; then
    echo "ai-layer: SSM parameter $2 is empty or spans lines; docker --env-file cannot carry it" >&2
    exit 1
  fi
  printf '%s=%s\\n' "$1" "$value" >>"$ENV_FILE.tmp"
}

umask 077
mkdir -p "$ENV_DIR"
trap 'rm -f "$ENV_FILE.tmp"' EXIT
: >"$ENV_FILE.tmp"
${secrets.map(([env, parameter]) => `add_secret ${q(env)} ${q(parameter)}`).join("\n")}
mv -f "$ENV_FILE.tmp" "$ENV_FILE"
umask 022

# Arguments after \`vllm serve\` (the image's entrypoint), one quoted word each.
${literalNote}VLLM_ARGS=(
${input.vllmArgs.map((a) => `  ${q(a)}`).join("\n")}
)

mkdir -p "$CACHE_DIR"
pull_image "$IMAGE"
docker rm -f ${q(VLLM_CONTAINER_NAME)} >/dev/null 2>&1 || true
docker run -d --restart unless-stopped --name ${q(VLLM_CONTAINER_NAME)} --gpus all --ipc=host \\
  -p ${q(`${port}:${port}`)} --env-file "$ENV_FILE" -v "$CACHE_DIR:"${q(HF_CACHE_PATH)} \\
  "$IMAGE" "\${VLLM_ARGS[@]}"
echo "ai-layer: vLLM started; it serves on port ${port} once the weights are loaded"
`,
    "vLLM user data",
  );
}
