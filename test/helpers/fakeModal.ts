// A fake `modal` CLI for tests of the command strings the Modal component gives the command provider. It behaves
// like modal 1.6.4 where those strings depend on it (sources: modal/cli/app.py `stop` and `resolve_app_identifier`,
// modal/cli/utils.py `confirm_or_suggest_yes`, modal/cli/secret.py `create`/`delete`, modal/__main__.py `main`):
// - `app stop <name>` exits 1 with "App is already stopped." for a stopped app, with "Error: No App with name
//   '<name>' found in the 'main' environment." for an unknown one, and without `--yes` on a non-TTY stdin aborts
//   with "Aborted: no interactive terminal detected. Rerun with --yes (-y) to skip confirmation.";
// - `secret create [--force] <name> [KEY=VALUE…] [--from-json FILE]`, `secret delete [--yes] [--allow-missing]`;
// - `deploy FILE` reads `APP_NAME = "<name>"` from the generated app and marks it deployed.
// It records every argv in `<state>/calls.log`, and for each secret its JSON, the file's mode and path.
// FAKE_MODAL_ERROR=<text> makes every call fail as a real error would (auth, network).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = String.raw`#!/usr/bin/env bash
set -u
state="$FAKE_MODAL_STATE"
printf '%s\n' "$*" >> "$state/calls.log"
err="$(printenv FAKE_MODAL_ERROR)"
if [ -n "$err" ]; then echo "Error: $err" >&2; exit 1; fi
confirm() {
  if [ "$yes" -eq 0 ]; then
    if [ ! -t 0 ]; then
      echo "$1 [y/N]: "
      echo "Aborted: no interactive terminal detected. Rerun with --yes (-y) to skip confirmation." >&2
      exit 1
    fi
  fi
}
case "$* " in
  "deploy "*)
    name=$(sed -n 's/^APP_NAME = "\(.*\)"$/\1/p' "$2")
    if [ -z "$name" ]; then echo "Error: no app in $2" >&2; exit 1; fi
    echo deployed > "$state/app-$name"
    echo "✓ App deployed! $name"
    exit 0 ;;
  "secret create "*)
    shift 2; name=""; file=""; kv=0
    while [ $# -gt 0 ]; do
      case "$1" in
        --force) ;;
        --from-json) file="$2"; shift ;;
        *=*) kv=1 ;;
        *) name="$1" ;;
      esac
      shift
    done
    if [ -n "$file" ]; then
      if [ ! -f "$file" ]; then echo "Usage: Could not read JSON file at $file" >&2; exit 2; fi
      cp "$file" "$state/secret-$name.json"
      stat -c %a "$file" > "$state/secret-$name.mode"
      echo "$file" > "$state/secret-$name.path"
    elif [ "$kv" -eq 0 ]; then echo "Usage: You need to specify at least one key for your secret" >&2; exit 2
    else echo "{}" > "$state/secret-$name.json"; fi
    exit 0 ;;
  "secret delete "*)
    shift 2; name=""; yes=0; missing=0
    for a in "$@"; do case "$a" in -y|--yes) yes=1 ;; --allow-missing) missing=1 ;; *) name="$a" ;; esac; done
    confirm "Are you sure you want to irrevocably delete the modal.Secret '$name'?"
    if [ ! -f "$state/secret-$name.json" ]; then
      if [ "$missing" -eq 1 ]; then exit 0; fi
      echo "Error: Secret '$name' not found in environment 'main'" >&2; exit 1
    fi
    rm -f "$state/secret-$name.json"; exit 0 ;;
  "app stop "*)
    shift 2; name=""; yes=0
    for a in "$@"; do case "$a" in -y|--yes) yes=1 ;; -*) ;; *) name="$a" ;; esac; done
    f="$state/app-$name"
    if [ ! -f "$f" ]; then
      echo "Error: No App with name '$name' found in the 'main' environment." >&2; exit 1
    fi
    if [ "$(cat "$f")" = stopped ]; then echo "App is already stopped." >&2; exit 1; fi
    confirm "Are you sure you want to stop App '$name'? No containers are currently running."
    echo stopped > "$f"; exit 0 ;;
esac
echo "Error: fake modal does not know: $*" >&2
exit 2
`;

export interface FakeModal {
  /** Directory holding the `modal` executable (put it first on PATH). */
  bin: string;
  /** Directory with calls.log, app-<name> (deployed|stopped), secret-<name>.{json,mode,path}. */
  state: string;
  env: Record<string, string>;
  calls(): string[];
  appState(name: string): "deployed" | "stopped" | undefined;
  secret(name: string): { json: unknown; mode: string; path: string } | undefined;
}

export function installFakeModal(): FakeModal {
  const root = mkdtempSync(join(tmpdir(), "fake-modal-"));
  const bin = join(root, "bin");
  const state = join(root, "state");
  mkdirSync(bin);
  mkdirSync(state);
  writeFileSync(join(bin, "modal"), SCRIPT);
  chmodSync(join(bin, "modal"), 0o755);
  const read = (f: string) =>
    existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8").trim() : undefined;
  return {
    bin,
    state,
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_MODAL_STATE: state },
    calls: () => (read("calls.log") ?? "").split("\n").filter(Boolean),
    appState: (name) => read(`app-${name}`) as "deployed" | "stopped" | undefined,
    secret: (name) => {
      const json = read(`secret-${name}.json`);
      if (json === undefined) return undefined;
      return {
        json: JSON.parse(json),
        mode: read(`secret-${name}.mode`) ?? "",
        path: read(`secret-${name}.path`) ?? "",
      };
    },
  };
}
