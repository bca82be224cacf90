#!/usr/bin/env bash
# Installs what the e2e tier (npm run test:e2e) runs, so that nothing downloads at test time:
#   - from Debian: redis-server + redis-cli, prometheus, prometheus-redis-exporter (bookworm has 1.45.0);
#   - into .venv-e2e/ (git-ignored): LiteLLM's proxy, redis, prometheus_client and modal from the hash-locked
#     test/e2e/requirements.txt (pip --require-hashes: a changed or substituted file fails the install).
# Idempotent: apt runs only for missing commands, pip only when the lock changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v prometheus >/dev/null || missing+=(prometheus)
command -v prometheus-redis-exporter >/dev/null || missing+=(prometheus-redis-exporter)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "e2e install: apt ${missing[*]}"
  apt-get update -qq
  # The packages' maintainer scripts try to start their services; the tests start their own processes.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv=.venv-e2e
lock=test/e2e/requirements.txt
stamp="$venv/.lock-sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/litellm" ]; then
  echo "e2e install: $venv up to date"
  exit 0
fi
python3 -m venv "$venv"
# --no-deps: the lock lists every package (pip-compile output), so pip installs exactly it and resolves nothing.
"$venv/bin/pip" install -q --disable-pip-version-check --require-hashes --no-deps -r "$lock"
"$venv/bin/pip" check --disable-pip-version-check >/dev/null || "$venv/bin/pip" check --disable-pip-version-check
echo "$want" >"$stamp"
echo "e2e install: $venv ready ($("$venv/bin/python" -c 'import importlib.metadata as m; print("litellm", m.version("litellm"), "modal", m.version("modal"))'))"
