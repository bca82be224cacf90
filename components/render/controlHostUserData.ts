import { createHash } from "node:crypto";
import { PULL_IMAGE_FUNCTION, READ_PARAMETER_FUNCTION, shellQuote, withinUserDataLimit } from "./bootScript";
import {
  ec2VllmFilters,
  ec2VllmTargetsQuery,
  EC2_VLLM_TARGETS_FILE,
  type Ec2VllmDiscovery,
} from "./prometheusConfig";
import type { RenderedFile } from "./yamlFile";

/** Where the control host keeps its state: the script, the rendered files, the root-only env files. */
export const CONTROL_HOST_ROOT = "/opt/ai-layer";
/** systemd unit that (re)creates the containers at every boot, once Docker runs. */
export const CONTROL_HOST_UNIT = "ai-layer-control-host.service";
/** Name of the Docker network the containers share (they reach each other by alias on it). */
export const CONTROL_HOST_NETWORK = "ai-layer";
/** systemd timer that lists the GPU fleet for Prometheus (with `vllmTargets`), and the service it runs. */
export const CONTROL_HOST_TARGETS_TIMER = "ai-layer-vllm-targets.timer";
export const CONTROL_HOST_TARGETS_UNIT = "ai-layer-vllm-targets.service";
/** Directory under the host root the fleet's file_sd file is written to; Prometheus mounts it read-only. */
export const CONTROL_HOST_TARGETS_DIR = "prometheus-targets";
/** Seconds between two listings of the fleet (a new instance is scraped within this plus Prometheus' reload). */
export const CONTROL_HOST_TARGETS_INTERVAL_SECONDS = 30;

/** A rendered file (RenderedFile.path, relative to `files/`) bind-mounted read-only into a container. */
export interface HostFileMount {
  /** Path of the file under `files/` (as in the rendered file list and the bucket prefix). */
  readonly path: string;
  /** Absolute path inside the container. */
  readonly mountPath: string;
}

/** One container on the control host, as data: what `docker run` gets. */
export interface HostContainer {
  /** Service name (`gateway`, `cache`, …): names the container `ai-layer-<service>` and its env file. */
  readonly service: string;
  /** Pinned image reference. */
  readonly image: string;
  /** Alias on the layer network other containers reach it by. */
  readonly alias: string;
  /** Replaces the image's entrypoint: the first word goes to `--entrypoint`, the rest lead the arguments. */
  readonly entrypoint?: readonly string[];
  /** Arguments after the image (after the entrypoint's own), replacing the image's CMD. */
  readonly command?: readonly string[];
  /** Plain env vars, NAME → value. Not secret: they sit in user data. */
  readonly env: Readonly<Record<string, string>>;
  /** Secret env vars, NAME → SSM Parameter Store name of a SecureString read at boot. Names only. */
  readonly secretEnv: Readonly<Record<string, string>>;
  /** Rendered files mounted read-only. */
  readonly files: readonly HostFileMount[];
  /** Named Docker volumes, kept across container re-creation. */
  readonly volumes: readonly { readonly name: string; readonly mountPath: string }[];
  /**
   * Directories of the host root (CONTROL_HOST_ROOT/<name>) mounted read-only: files the host writes while the
   * container runs (the fleet's file_sd targets). Default: none.
   */
  readonly hostDirectories?: readonly { readonly name: string; readonly mountPath: string }[];
  /** Memory limit, MiB; none when undefined. */
  readonly memoryMb?: number;
  /** Host address and port the container port is published on; unpublished when undefined. */
  readonly publish?: { readonly ip: string; readonly hostPort: number; readonly containerPort: number };
  /** Restart policy, log driver and options, labels: the docker target's containerDefaults. */
  readonly restart: string;
  readonly logDriver: string;
  readonly logOpts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ControlHostUserDataInput {
  /** Stack name, for the header comment and the network label. */
  readonly stack: string;
  /** AWS region of the bucket and the SSM parameters (the instance's own). */
  readonly region: string;
  /** Bucket holding the rendered files, and the key prefix they sit under (`<stack>/files`, no slashes around). */
  readonly bucket: string;
  readonly prefix: string;
  /** Every rendered file uploaded under the prefix: their hash goes into the script, and mounts must name one. */
  readonly files: readonly RenderedFile[];
  /** The containers, in start order. */
  readonly containers: readonly HostContainer[];
  /**
   * The GPU fleet Prometheus scrapes: the host lists it with its own role every
   * CONTROL_HOST_TARGETS_INTERVAL_SECONDS and writes CONTROL_HOST_TARGETS_DIR/<EC2_VLLM_TARGETS_FILE's name>, so no
   * container needs AWS credentials. Default: no fleet, no timer.
   */
  readonly vllmTargets?: Ec2VllmDiscovery;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// `docker run -v src:dst:ro` splits on `:`; SSM names allow [a-zA-Z0-9_.-/]. Plain charsets, nothing to escape.
const PATH_CHARS = /^[A-Za-z0-9_./-]+$/;
const SSM_NAME = /^[A-Za-z0-9_./-]+$/;
// Values that land in a comment line, where a newline would start a command.
const LABEL = /^[A-Za-z0-9_.:@/-]+$/;

/** sha256 over the files' paths and contents, in path order: any change to a file changes it. */
export function renderedFilesHash(files: readonly RenderedFile[]): string {
  const hash = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(`${f.path}\0${f.content}\0`);
  return hash.digest("hex");
}

/** `ai-layer-<service>`: the container's name on the host (`docker logs ai-layer-gateway`). */
export const hostContainerName = (service: string) => `ai-layer-${service}`;

function check(input: ControlHostUserDataInput): void {
  const fail = (msg: string) => {
    throw new Error(`control host user data: ${msg}`);
  };
  if (!LABEL.test(input.stack))
    fail(`stack ${JSON.stringify(input.stack)} has characters a comment cannot hold`);
  if (!PATH_CHARS.test(input.prefix) || input.prefix.startsWith("/") || input.prefix.endsWith("/"))
    fail(`prefix ${JSON.stringify(input.prefix)} must be a relative key prefix without surrounding slashes`);
  const paths = new Set(input.files.map((f) => f.path));
  const services = new Set<string>();
  for (const c of input.containers) {
    if (!/^[a-z][a-z0-9-]*$/.test(c.service))
      fail(`service ${JSON.stringify(c.service)} is not a plain name`);
    if (services.has(c.service)) fail(`two containers are named ${c.service}`);
    services.add(c.service);
    if (!c.image.trim()) fail(`${c.service} has no image`);
    for (const name of [...Object.keys(c.env), ...Object.keys(c.secretEnv)])
      if (!ENV_NAME.test(name)) fail(`${c.service}: ${JSON.stringify(name)} is not an env var name`);
    for (const name of Object.keys(c.env))
      if (name in c.secretEnv) fail(`${c.service}: ${name} is both plain and secret`);
    for (const parameter of Object.values(c.secretEnv))
      if (!SSM_NAME.test(parameter)) fail(`${c.service}: ${JSON.stringify(parameter)} is not an SSM name`);
    for (const f of c.files) {
      if (!paths.has(f.path)) fail(`${c.service} mounts ${f.path}, which is not among the rendered files`);
      if (!PATH_CHARS.test(f.path) || !PATH_CHARS.test(f.mountPath) || !f.mountPath.startsWith("/"))
        fail(`${c.service}: mount ${f.path} → ${f.mountPath} has characters docker -v cannot take`);
    }
    for (const v of [...c.volumes, ...(c.hostDirectories ?? [])])
      if (!/^[a-z0-9][a-z0-9_.-]*$/.test(v.name) || !PATH_CHARS.test(v.mountPath))
        fail(`${c.service}: volume ${v.name} → ${v.mountPath} is not plain`);
  }
}

const q = shellQuote;
const sorted = (o: Readonly<Record<string, string>>) =>
  Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The `docker run` options and arguments of one container, one shell line each (joined with ` \`). */
function runArgs(c: HostContainer): string[] {
  const lines = [
    `--restart ${q(c.restart)} --log-driver ${q(c.logDriver)} ` +
      sorted(c.logOpts)
        .map(([k, v]) => `--log-opt ${q(`${k}=${v}`)}`)
        .join(" "),
    sorted(c.labels)
      .map(([k, v]) => `--label ${q(`${k}=${v}`)}`)
      .join(" "),
    `--network "$NETWORK" --network-alias ${q(c.alias)}`,
  ];
  if (c.memoryMb !== undefined) lines.push(`--memory ${q(`${c.memoryMb}m`)}`);
  if (Object.keys(c.secretEnv).length) lines.push(`--env-file "$ENV_DIR/"${q(`${c.service}.env`)}`);
  for (const [k, v] of sorted(c.env)) lines.push(`-e ${q(`${k}=${v}`)}`);
  for (const f of c.files) lines.push(`-v "$FILES/"${q(`${f.path}:${f.mountPath}:ro`)}`);
  for (const v of c.volumes) lines.push(`-v ${q(`${v.name}:${v.mountPath}`)}`);
  for (const d of c.hostDirectories ?? []) lines.push(`-v "$ROOT/"${q(`${d.name}:${d.mountPath}:ro`)}`);
  if (c.publish) lines.push(`-p ${q(`${c.publish.ip}:${c.publish.hostPort}:${c.publish.containerPort}`)}`);
  const [entry, ...entryArgs] = c.entrypoint ?? [];
  if (entry !== undefined) lines.push(`--entrypoint ${q(entry)}`);
  lines.push([q(c.image), ...entryArgs.map(q), ...(c.command ?? []).map(q)].join(" "));
  return lines;
}

/** Writes one container's root-only env file from SSM; nothing when it has no secrets. */
function envFile(c: HostContainer): string[] {
  const secrets = sorted(c.secretEnv);
  if (!secrets.length) return [];
  const file = `"$ENV_DIR/"${q(`${c.service}.env`)}`;
  return [`: >${file}`, ...secrets.map(([env, parameter]) => `add_secret ${file} ${q(env)} ${q(parameter)}`)];
}

/**
 * User data (bash) of the aws-ec2 control host: the docker target's services (gateway, cache, monitoring) on the
 * Amazon Linux 2023 ECS-optimized AMI, which ships Docker and the AWS CLI, so nothing is installed.
 *
 * At first boot (cloud-init) it masks the ECS agent (this host joins no cluster), installs itself as
 * CONTROL_HOST_UNIT and starts that unit without waiting: on ECS-optimized AMIs docker.service is ordered after
 * cloud-final, so starting Docker from user data would deadlock (aws/amazon-ecs-agent#1707). The unit runs
 * `start` at every boot: copy the rendered files from S3, read each secret from SSM into a root-only env file
 * per container, create the network, and (re)create each container with `docker run`. User data sits in clear
 * text in the Pulumi state (aws v7), so it names parameters only. The files' hash is in a comment, so any config
 * change changes user data and (with userDataReplaceOnChange) replaces the instance. Same input, same bytes.
 */
export function renderControlHostUserData(input: ControlHostUserDataInput): string {
  check(input);
  const fleet = fleetTargetsPieces(input.vllmTargets);
  const mounted = [...new Set(input.containers.flatMap((c) => c.files.map((f) => f.path)))].sort();
  // Indented here, line by line: a start script argument spans lines inside its quotes and must stay as is.
  const containers = input.containers
    .map((c) =>
      [
        `  pull_image ${q(c.image)}`,
        // A start script is handed to the container's shell single-quoted: its $VARS expand there, not here.
        ...([...(c.entrypoint ?? []), ...(c.command ?? [])].some((a) => a.includes("$"))
          ? ["  # shellcheck disable=SC2016"]
          : []),
        `  run_container ${q(hostContainerName(c.service))} \\\n    ${runArgs(c).join(" \\\n    ")}`,
      ].join("\n"),
    )
    .join("\n\n");
  return withinUserDataLimit(
    `#!/bin/bash
# ai-layer: control host of stack ${input.stack} (renderControlHostUserData).
# Rendered files sha256: ${renderedFilesHash(input.files)}
# No secret values here: user data sits in clear text in the Pulumi state. Secrets come from SSM at boot.
set -euo pipefail

readonly REGION=${q(input.region)}
readonly BUCKET=${q(input.bucket)}
readonly PREFIX=${q(input.prefix)}
readonly ROOT="\${AI_LAYER_ROOT:-${CONTROL_HOST_ROOT}}"
readonly FILES="$ROOT/files"
readonly ENV_DIR="$ROOT/env"
readonly NETWORK=${q(CONTROL_HOST_NETWORK)}
readonly UNIT=${q(CONTROL_HOST_UNIT)}
readonly UNIT_DIR="\${AI_LAYER_UNIT_DIR:-/etc/systemd/system}"
${fleet.constants}
fail() {
  echo "ai-layer: $*" >&2
  exit 1
}

${READ_PARAMETER_FUNCTION}
# Appends NAME=value to an env file (docker run --env-file); the value is never echoed.
add_secret() {
  local value
  value="$(read_parameter "$3")" || fail "cannot read SSM parameter $3"
  if [[ -z "$value" || "$value" == *$'\\n'* ]]; then
    fail "SSM parameter $3 is empty or spans lines; docker --env-file cannot carry it"
  fi
  printf '%s=%s\\n' "$2" "$value" >>"$1"
}

${PULL_IMAGE_FUNCTION}${fleet.discover}
# Replaces a container: the unit runs at every boot, after Docker restarted the previous ones.
run_container() {
  local name="$1"
  shift
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" "$@" >/dev/null
  echo "ai-layer: started $name"
}

boot() {
  local tool
  # The ECS-optimized AMI ships Docker but not the AWS CLI (aws/amazon-ecs-ami builds it from al2023-ami-minimal
  # and adds no awscli-2). AL2023's repositories are locked to the AMI's release, so this install is pinned too.
  if ! command -v aws >/dev/null 2>&1; then
    dnf install -y -q awscli-2 || fail "cannot install awscli-2 (the host needs the AWS CLI for S3 and SSM)"
  fi
  for tool in aws docker systemctl; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing; use the Amazon Linux 2023 ECS-optimized AMI"
  done
  # The ECS agent (ecs.service, aws/amazon-ecs-init) would register with a cluster this host never joins.
  if systemctl cat ecs.service >/dev/null 2>&1; then
    systemctl mask --now --no-block ecs.service
  fi
  install -d -m 0700 "$ROOT" "$ROOT/bin"
  install -m 0700 "$0" "$ROOT/bin/control-host"
  cat >"$UNIT_DIR/$UNIT" <<EOF
[Unit]
Description=ai-layer control host containers (stack ${input.stack})
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
TimeoutStartSec=1800
Restart=on-failure
RestartSec=30
ExecStart=$ROOT/bin/control-host start

[Install]
WantedBy=multi-user.target
EOF
${fleet.units}  systemctl daemon-reload
  # --no-block: the unit waits for Docker, which waits for cloud-init (this script) to finish.
  systemctl enable --now --no-block "$UNIT"
${fleet.enable}}

start() {
  local f
  # The rendered files hold no secrets and are read by non-root container users (Prometheus runs as nobody).
  umask 022
  rm -rf "$FILES.new"
  mkdir -p "$FILES.new"
  aws s3 cp --recursive --only-show-errors --region "$REGION" "s3://$BUCKET/$PREFIX/" "$FILES.new/"
  rm -rf "$FILES"
  mv "$FILES.new" "$FILES"
  for f in ${mounted.map(q).join(" ")}; do
    [[ -f "$FILES/$f" ]] || fail "s3://$BUCKET/$PREFIX/$f is missing"
  done

  # Secrets: one root-only env file per container, rewritten at every boot (a rotated secret is picked up).
  umask 077
  rm -rf "$ENV_DIR"
  mkdir -p "$ENV_DIR"
${input.containers
  .flatMap(envFile)
  .map((l) => `  ${l}`)
  .join("\n")}
  umask 022

  if ! docker network inspect "$NETWORK" >/dev/null 2>&1; then
    docker network create --driver bridge --label ${q(`ai-layer.stack=${input.stack}`)} "$NETWORK" >/dev/null
  fi
${fleet.start}
${containers}
}

case "\${1:-boot}" in
  boot) boot ;;
  start) start ;;
${fleet.command}  *) fail "usage: $0 [boot|start${fleet.usage}]" ;;
esac
`,
    `control host of stack ${input.stack}`,
  );
}

/**
 * The script's pieces for a GPU fleet (empty strings without one): the `discover` command that lists the fleet with
 * the host's role into Prometheus' file_sd file, a systemd timer running it, and a first run before the containers
 * start. The file is replaced by rename in the mounted directory, so Prometheus never reads half of it.
 */
function fleetTargetsPieces(d: Ec2VllmDiscovery | undefined) {
  if (!d) return { constants: "", discover: "", units: "", enable: "", start: "", command: "", usage: "" };
  const file = EC2_VLLM_TARGETS_FILE.split("/").pop()!;
  return {
    constants: `readonly TARGETS="$ROOT/${CONTROL_HOST_TARGETS_DIR}"
readonly TIMER=${q(CONTROL_HOST_TARGETS_TIMER)}
readonly TARGETS_UNIT=${q(CONTROL_HOST_TARGETS_UNIT)}
`,
    discover: `
# Lists the GPU fleet with the host's role into Prometheus' file_sd targets: Prometheus runs in a container and gets
# no role (IMDS hop limit 1). Keeps the last good list when the EC2 API fails, and never fails itself.
discover() {
  local out="$TARGETS/"${q(file)} tmp=""
  umask 022
  mkdir -p "$TARGETS"
  # A file of its own per run (the timer and start may list at once), renamed over the list: Prometheus reads only
  # the exact file name, never a half-written one. mktemp makes it 0600; Prometheus (nobody) must read it. Any step
  # failing (mktemp included) keeps the previous list and says so.
  if tmp=$(mktemp "$TARGETS/.${file}.XXXXXX") && aws ec2 describe-instances --region "$REGION" --output json \\
    --filters ${q(ec2VllmFilters(d))} \\
    --query ${q(ec2VllmTargetsQuery(d))} >"$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$out"; then
    :
  else
    [[ -z "$tmp" ]] || rm -f "$tmp"
    echo "ai-layer: listing the GPU fleet failed; Prometheus keeps the previous targets" >&2
  fi
  [[ -f "$out" ]] || printf '[]\\n' >"$out"
}
`,
    units: `  cat >"$UNIT_DIR/$TARGETS_UNIT" <<EOF
[Unit]
Description=ai-layer: list the GPU fleet for Prometheus

[Service]
Type=oneshot
ExecStart=$ROOT/bin/control-host discover
EOF
  cat >"$UNIT_DIR/$TIMER" <<EOF
[Unit]
Description=ai-layer: list the GPU fleet for Prometheus every ${CONTROL_HOST_TARGETS_INTERVAL_SECONDS}s

[Timer]
OnBootSec=${CONTROL_HOST_TARGETS_INTERVAL_SECONDS}s
OnUnitActiveSec=${CONTROL_HOST_TARGETS_INTERVAL_SECONDS}s
AccuracySec=5s

[Install]
WantedBy=timers.target
EOF
`,
    enable: `  systemctl enable --now --no-block "$TIMER"
`,
    start: `  # Prometheus starts with the fleet's current targets; the timer keeps them current.
  discover
`,
    command: `  discover) discover ;;
`,
    usage: "|discover",
  };
}
