// Shell pieces both boot scripts share (renderVllmUserData, renderControlHostUserData).

/** One POSIX shell word: single quotes, with each `'` closed, escaped and reopened. Always quotes. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The bash function that prints one SSM SecureString, decrypted (the script sets REGION). Retried: an instance
 * role's credentials can lag the first seconds of boot.
 */
export const READ_PARAMETER_FUNCTION = `# Prints one SecureString, decrypted; retried because the role's credentials can lag the first seconds of boot.
read_parameter() {
  local attempt
  for attempt in 1 2 3 4 5; do
    if aws ssm get-parameter --with-decryption --region "$REGION" --name "$1" --query Parameter.Value --output text; then
      return 0
    fi
    echo "ai-layer: reading SSM parameter $1 failed (attempt $attempt)" >&2
    sleep $((attempt * 5))
  done
  return 1
}
`;

/**
 * The bash function that pulls one image, retried: a registry hiccup or rate limit (per NAT address, shared by
 * every instance behind it) must not leave an instance without its server until the health check replaces it.
 * An image the host already holds is not pulled again: the control host's unit runs at every boot, and a re-pull
 * would fetch whatever a re-pointed tag names now. `docker image inspect` exits 1 ("Error: No such image: …")
 * when no local image matches the reference (docker/cli cli/command/image/inspect.go: runInspect returns the
 * ImageInspect API error, and a command's error is exit status 1), so a new reference in the user data (an
 * upgrade, or a digest from the lock) is still pulled.
 */
export const PULL_IMAGE_FUNCTION = `pull_image() {
  local attempt
  if docker image inspect "$1" >/dev/null 2>&1; then
    echo "ai-layer: $1 is already here; not pulling it again"
    return 0
  fi
  for attempt in 1 2 3 4 5; do
    if docker pull --quiet "$1" >/dev/null; then
      return 0
    fi
    echo "ai-layer: pulling $1 failed (attempt $attempt)" >&2
    sleep $((attempt * 10))
  done
  echo "ai-layer: cannot pull $1" >&2
  return 1
}
`;

/** EC2 takes at most 16 KB of user data (before base64). */
export const USER_DATA_MAX_BYTES = 16_384;

/** The script, or a plain error before anything is created when EC2 would refuse it. */
export function withinUserDataLimit(script: string, what: string): string {
  const bytes = Buffer.byteLength(script, "utf8");
  if (bytes > USER_DATA_MAX_BYTES)
    throw new Error(
      `${what}: user data is ${bytes} bytes; EC2 accepts at most ${USER_DATA_MAX_BYTES}. Fewer models or containers on one host, or shorter arguments, bring it under.`,
    );
  return script;
}
