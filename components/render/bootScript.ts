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
