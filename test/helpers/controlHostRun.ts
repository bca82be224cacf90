// The aws-ec2 control host's user data, rendered for a plan and run with stub aws (SSM, S3, EC2) and docker CLIs:
// shared by test/render.controlHost.test.ts and test/render.controlHostListing.test.ts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect } from "vitest";
import { controlHostContainers, fleetEndpoints } from "../../components/aws/fleetEndpoints";
import { ssmSecretName, type PlanFor } from "../../components/plan";
import { fileList, renderLayerFiles, type RenderedFile } from "../../components/render";
import { renderControlHostUserData } from "../../components/render/controlHostUserData";
import { gpuFleetPlan as fleetPlan } from "./gpuFleet";
import { run } from "./tools";

export const STACK = "gpu-fleet";
export const JMESPATH_PYTHON = join(__dirname, "..", "..", ".venv-e2e", "bin", "python");
export const REGION = "us-east-1";
export const ELASTICACHE_HOST = "master.gpu-fleet-cache-0a1b2c3.x7kq2p.use1.cache.amazonaws.com";
export const API_BASES = {
  VLLM_CHAT_API_BASE: "http://nlb-1.elb:8100/v1",
  VLLM_EMBED_API_BASE: "http://nlb-1.elb:8101/v1",
};
export const PUBLISH = { gatewayIp: "0.0.0.0", monitoringIp: "127.0.0.1" };
/** What the stub `aws ssm get-parameter` prints for a parameter: distinctive, so any leak is found. */
export const fakeSecret = (parameter: string) => `fake-${parameter.replace(/[^A-Za-z0-9]/g, "_")}-Zq9x`;
export const LEAK = /Zq9x/;

/** A control host with every container: its own Redis, no GPU fleet (a remote model), alerts to Slack and PagerDuty. */
export function remoteOnlyPlan(): PlanFor<"aws-ec2"> {
  return fleetPlan(
    (l) => {
      l.models = [{ name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } }];
      delete l.target.elasticache;
    },
    ["openaiApiKey", "slackWebhookUrl", "pagerdutyRoutingKey"],
  );
}
export const names = (p: PlanFor<"aws-ec2">) =>
  Object.fromEntries(p.secrets.map((s) => [s.configKey, ssmSecretName(STACK, s.configKey)]));
/** The files an aws-ec2 plan renders. */
export const filesOf = (p: PlanFor<"aws-ec2">) => fileList(renderLayerFiles(p, fleetEndpoints(p)));

export function userData(
  p: PlanFor<"aws-ec2">,
  files: readonly RenderedFile[],
  redisHost?: string,
  gatewayEnv = {},
) {
  const containers = controlHostContainers(p, files, {
    secretParameters: names(p),
    gatewayEnv,
    ...(redisHost ? { redisHost } : {}),
    publish: PUBLISH,
  });
  return renderControlHostUserData({
    stack: STACK,
    region: REGION,
    bucket: "b",
    prefix: `${STACK}/files`,
    files,
    containers,
    ...(p.target.aws.tracks.length && p.monitoring.enabled
      ? { vllmTargets: { region: REGION, port: p.target.aws.vllmPort, stack: STACK } }
      : {}),
  });
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
export const tempDir = (tag: string) => {
  const d = mkdtempSync(join(tmpdir(), `ai-layer-${tag}-`));
  dirs.push(d);
  return d;
};

/**
 * Runs the script's `start` with stub aws (SSM, S3, EC2) and docker CLIs; returns what docker was asked to do.
 * The stub answers `ec2 describe-instances` by evaluating the script's --query with Python's jmespath (the library
 * the AWS CLI evaluates --query with) over FAKE_EC2 (a DescribeInstances response), or fails when it is unset.
 */
export function runStart(
  script: string,
  files: readonly RenderedFile[],
  omit?: string,
  phase = "start",
  env: NodeJS.ProcessEnv = {},
  /** Images the stub's `docker image inspect` finds (what the host pulled on an earlier boot). */
  present: readonly string[] = [],
) {
  const dir = tempDir("control-host");
  const [stub, s3, root] = ["bin", "s3", "root"].map((d) => join(dir, d));
  for (const f of files.filter((x) => x.path !== omit)) {
    mkdirSync(dirname(join(s3!, f.path)), { recursive: true });
    writeFileSync(join(s3!, f.path), f.content);
  }
  mkdirSync(stub!, { recursive: true });
  const aws = `#!/bin/bash
set -eu
if [ "$1" = ssm ]; then
  while [ $# -gt 0 ]; do if [ "$1" = --name ]; then name=$2; fi; shift; done
  printf 'fake-%s-Zq9x\\n' "\${name//[^A-Za-z0-9]/_}"
elif [ "$1" = ec2 ]; then
  printf '%s\\n' "$*" >>"$EC2_LOG"
  [ -n "\${FAKE_EC2:-}" ] || exit 254
  while [ $# -gt 0 ]; do if [ "$1" = --query ]; then query=$2; fi; shift; done
  "$JMESPATH_PYTHON" -c 'import json, sys, jmespath; print(json.dumps(jmespath.search(sys.argv[1], json.load(open(sys.argv[2])))))' "$query" "$FAKE_EC2"
else
  cp -R "$FAKE_S3/." "\${!#}"
fi
`;
  const docker = `#!/usr/bin/env node
require("node:fs").appendFileSync(process.env.DOCKER_LOG, JSON.stringify(process.argv.slice(2)) + "\\n");
if (process.argv[2] === "network" && process.argv[3] === "inspect") process.exit(1);
if (process.argv[2] === "image" && process.argv[3] === "inspect")
  process.exit(JSON.parse(process.env.FAKE_PRESENT).includes(process.argv[4]) ? 0 : 1);
`;
  for (const [name, body] of [
    ["aws", aws],
    ["docker", docker],
    ["systemctl", docker],
  ] as const) {
    writeFileSync(join(stub!, name), body);
    chmodSync(join(stub!, name), 0o755);
  }
  writeFileSync(join(dir, "user-data.sh"), script);
  const log = join(dir, "docker.log");
  writeFileSync(log, "");
  mkdirSync(join(dir, "units"));
  const r = run("bash", [join(dir, "user-data.sh"), phase], {
    env: {
      ...process.env,
      PATH: `${stub}:${process.env.PATH}`,
      AI_LAYER_ROOT: root,
      AI_LAYER_UNIT_DIR: join(dir, "units"),
      FAKE_S3: s3,
      DOCKER_LOG: log,
      EC2_LOG: join(dir, "ec2.log"),
      JMESPATH_PYTHON,
      FAKE_PRESENT: JSON.stringify(present),
      ...env,
    },
  });
  const calls = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);
  return {
    r,
    dir,
    root: root!,
    runs: calls.filter((c) => c[0] === "run").map((c) => parseRun(c, root!)),
    calls,
  };
}

type Dict = Record<string, string>;
/** `docker run -d --name N <options> IMAGE ARGS…` as the stub recorded it; env files and mounts read back. */
export function parseRun(argv: string[], root: string) {
  expect(argv.slice(0, 3)).toEqual(["run", "-d", "--name"]);
  const [env, uploads, labels, logOpts, other]: [Dict, Dict, Dict, Dict, Dict] = [{}, {}, {}, {}, {}];
  const [volumes, ports]: [string[], { ip: string; external: number; internal: number }[]] = [[], []];
  const kv = (s: string, into: Dict) => void (into[s.slice(0, s.indexOf("="))] = s.slice(s.indexOf("=") + 1));
  let i = 4;
  for (; argv[i]?.startsWith("-"); i += 2) {
    const [flag, v] = [argv[i]!, argv[i + 1]!];
    if (flag === "-e") kv(v, env);
    else if (flag === "--env-file")
      for (const l of readFileSync(v, "utf8").split("\n").filter(Boolean)) kv(l, env);
    else if (flag === "--label") kv(v, labels);
    else if (flag === "--log-opt") kv(v, logOpts);
    else if (flag === "-v" && !v.startsWith(`${root}/files/`)) volumes.push(v.split(":")[1]!);
    else if (flag === "-v") {
      const [src, dst, mode] = v.split(":");
      expect(mode).toBe("ro");
      uploads[dst!] = readFileSync(src!, "utf8");
    } else if (flag === "-p") {
      const [ip, external, internal] = v.split(":");
      ports.push({ ip: ip!, external: Number(external), internal: Number(internal) });
    } else other[flag] = v;
  }
  expect(Object.keys(other).sort()).toEqual(
    ["--log-driver", "--memory", "--network", "--network-alias", "--restart", "--entrypoint"]
      .filter((f) => f in other)
      .sort(),
  );
  const [entry, args] = [other["--entrypoint"], argv.slice(i + 1)];
  return {
    ...{ name: argv[3]!, image: argv[i]!, env, uploads, labels, logOpts, volumes, ports },
    ...{ restart: other["--restart"], alias: other["--network-alias"] },
    memory: other["--memory"] ? Number(other["--memory"].replace(/m$/, "")) : undefined,
    entrypoints: entry !== undefined ? [entry, ...args] : undefined,
    command: entry === undefined && args.length ? args : undefined,
  };
}
