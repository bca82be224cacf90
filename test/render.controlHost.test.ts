// The aws-ec2 control host's user data: the container layout rendered to bash and run for real against stubbed
// aws/docker CLIs; shellcheck on it and promtool on the fleet's prometheus.yml. The containers are the layer's
// service descriptions (test/render.services.test.ts checks them and each target's mapping of them), so no
// parity test with DockerLayer is needed. (fleetEndpoints' configs: test/aws.controlHost.test.ts.)
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlHostContainers, fleetEndpoints, REDIS_HOST_ENV } from "../components/aws/fleetEndpoints";
import { ssmSecretName, type PlanFor } from "../components/plan";
import {
  FILE_PATHS,
  fileList,
  GATEWAY_METRICS_KEY_FILE,
  PROMETHEUS_RULES_FILE,
  renderLayerFiles,
  type RenderedFile,
} from "../components/render";
import { renderControlHostUserData } from "../components/render/controlHostUserData";
import { gpuFleetPlan as fleetPlan } from "./helpers/gpuFleet";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";

const STACK = "gpu-fleet";
const REGION = "us-east-1";
const ELASTICACHE_HOST = "master.gpu-fleet-cache-0a1b2c3.x7kq2p.use1.cache.amazonaws.com";
const API_BASES = {
  VLLM_CHAT_API_BASE: "http://nlb-1.elb:8100/v1",
  VLLM_EMBED_API_BASE: "http://nlb-1.elb:8101/v1",
};
const PUBLISH = { gatewayIp: "0.0.0.0", monitoringIp: "127.0.0.1" };
/** What the stub `aws ssm get-parameter` prints for a parameter: distinctive, so any leak is found. */
const fakeSecret = (parameter: string) => `fake-${parameter.replace(/[^A-Za-z0-9]/g, "_")}-Zq9x`;
const LEAK = /Zq9x/;

/** A control host with every container: its own Redis, no GPU fleet (a remote model), alerts to Slack and PagerDuty. */
function remoteOnlyPlan(): PlanFor<"aws-ec2"> {
  return fleetPlan(
    (l) => {
      l.models = [{ name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } }];
      delete l.target.elasticache;
    },
    ["openaiApiKey", "slackWebhookUrl", "pagerdutyRoutingKey"],
  );
}
const names = (p: PlanFor<"aws-ec2">) =>
  Object.fromEntries(p.secrets.map((s) => [s.configKey, ssmSecretName(STACK, s.configKey)]));
/** The files an aws-ec2 plan renders. */
const filesOf = (p: PlanFor<"aws-ec2">) => fileList(renderLayerFiles(p, fleetEndpoints(p)));

function userData(
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
  });
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (tag: string) => {
  const d = mkdtempSync(join(tmpdir(), `ai-layer-${tag}-`));
  dirs.push(d);
  return d;
};

const hasPromtool = requireTool("promtool");
const PROM_INSTALL = "apt-get install prometheus";
itRequiresToolInCi("promtool", PROM_INSTALL);
describe.skipIf(!hasPromtool)(
  toolTitle("promtool check config on the fleet prometheus.yml", "promtool", hasPromtool, PROM_INSTALL),
  () => {
    const p = fleetPlan();
    const files = renderLayerFiles(p, fleetEndpoints(p));
    const check = (yml: string) => {
      const dir = tempDir("promtool-fleet");
      writeFileSync(join(dir, "prometheus.yml"), yml);
      for (const [rel, content] of [
        [PROMETHEUS_RULES_FILE, files.alertRules!.content],
        [GATEWAY_METRICS_KEY_FILE, "sk-test"],
      ] as const) {
        mkdirSync(dirname(join(dir, rel)), { recursive: true });
        writeFileSync(join(dir, rel), content);
      }
      return run("promtool", ["check", "config", join(dir, "prometheus.yml")], { cwd: "/" });
    };

    it("the whole config is valid (Debian's promtool has ec2_sd_configs, unlike kubernetes_sd_configs)", () => {
      const r = check(files.prometheusConfig!.content);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it("negative control: an unknown ec2_sd_configs field is refused", () => {
      const r = check(files.prometheusConfig!.content.replace("port: 8000", "port: 8000\n        portt: 1"));
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/portt/);
    });
  },
);

/** Runs the script's `start` with stub aws (SSM, S3) and docker CLIs; returns what docker was asked to do. */
function runStart(
  script: string,
  files: readonly RenderedFile[],
  omit?: string,
  phase = "start",
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
      FAKE_PRESENT: JSON.stringify(present),
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
function parseRun(argv: string[], root: string) {
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

describe("the user data, run with stub aws and docker CLIs", () => {
  const p = fleetPlan(() => {}, ["hfToken", "slackWebhookUrl"]);
  const files = filesOf(p);
  const script = userData(p, files, ELASTICACHE_HOST, API_BASES);
  let started: ReturnType<typeof runStart>;
  beforeAll(() => void (started = runStart(script, files)));
  const byService = (s: string) => started.runs.find((x) => x.name === `ai-layer-${s}`)!;

  it("starts gateway, exporter, Prometheus, Grafana and Alertmanager; no Redis container with ElastiCache", () => {
    const { r, runs, calls } = started;
    expect(r.status, r.stderr).toBe(0);
    expect(runs.map((x) => x.name)).toEqual(
      ["cache-exporter", "gateway", "prometheus", "grafana", "alertmanager"].map((s) => `ai-layer-${s}`),
    );
    expect(calls.find((c) => c[0] === "network" && c[1] === "create")).toContain("ai-layer");
  });

  it("pulls each image the host lacks, and none it already holds (the unit runs at every boot)", () => {
    const pulled = (calls: string[][]) => calls.filter((c) => c[0] === "pull").map((c) => c.at(-1));
    const images = started.runs.map((x) => x.image);
    expect(pulled(started.calls).sort()).toEqual([...images].sort());
    const reboot = runStart(script, files, undefined, "start", images);
    expect(reboot.r.status, reboot.r.stderr).toBe(0);
    expect(pulled(reboot.calls)).toEqual([]);
    expect(reboot.runs.map((x) => x.image)).toEqual(images);
  });

  it("the gateway gets the fleet URLs, the cache host and VLLM_API_KEY; the exporter speaks TLS", () => {
    expect(byService("gateway").env).toMatchObject({ ...API_BASES, [REDIS_HOST_ENV]: ELASTICACHE_HOST });
    expect(byService("gateway").env.VLLM_API_KEY).toBe(fakeSecret(ssmSecretName(STACK, "vllmApiKey")));
    expect(byService("cache-exporter").env.REDIS_ADDR).toBe(`rediss://${ELASTICACHE_HOST}:6379`);
  });

  it("publishes the gateway on all addresses and Prometheus and Grafana on loopback only", () => {
    expect(byService("gateway").ports).toEqual([{ ip: "0.0.0.0", external: 4000, internal: 4000 }]);
    expect(byService("prometheus").ports.map((x) => x.ip)).toEqual(["127.0.0.1"]);
    expect(byService("grafana").ports.map((x) => x.ip)).toEqual(["127.0.0.1"]);
    expect(byService("alertmanager").ports).toEqual([]);
  });

  it("no secret in the script, its output or docker's arguments; only in root-only env files", () => {
    const { r, root, calls } = started;
    expect(script).not.toMatch(LEAK);
    expect(r.stdout + r.stderr).not.toMatch(LEAK);
    expect(JSON.stringify(calls)).not.toMatch(LEAK);
    expect(readFileSync(join(root, "env", "gateway.env"), "utf8")).toMatch(LEAK);
    expect(statSync(join(root, "env")).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, "env", "gateway.env")).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, "files", FILE_PATHS.prometheusConfig)).mode & 0o777).toBe(0o644);
  });

  it("every file it mounts is a rendered file; one missing from the bucket stops it", () => {
    const mounted = [...script.matchAll(/-v "\$FILES\/"'([^:]+):/g)].map((m) => m[1]);
    expect(mounted.length).toBeGreaterThan(5);
    for (const m of mounted) expect(files.map((f) => f.path)).toContain(m);
    const missing = runStart(script, files, FILE_PATHS.litellmConfig);
    expect(missing.r.status).not.toBe(0);
    expect(missing.r.stderr).toContain(`${FILE_PATHS.litellmConfig} is missing`);
    expect(missing.runs).toEqual([]);
    const dropped = files.filter((f) => f.path !== FILE_PATHS.alertRules);
    expect(() => userData(p, dropped, ELASTICACHE_HOST, API_BASES)).toThrow(/not among the rendered files/);
  });

  it("boot: masks the ECS agent, installs itself as a unit and starts it without blocking cloud-init", () => {
    const { r, dir, root, calls } = runStart(script, files, undefined, "boot");
    expect(r.status, r.stderr).toBe(0);
    const systemctl = calls.filter((c) => ["cat", "mask", "daemon-reload", "enable"].includes(c[0]!));
    expect(systemctl).toEqual([
      ["cat", "ecs.service"],
      ["mask", "--now", "--no-block", "ecs.service"],
      ["daemon-reload"],
      ["enable", "--now", "--no-block", "ai-layer-control-host.service"],
    ]);
    expect(readFileSync(join(root, "bin", "control-host"), "utf8")).toBe(script);
    const unit = readFileSync(join(dir, "units", "ai-layer-control-host.service"), "utf8");
    expect(unit).toContain(`ExecStart=${root}/bin/control-host start`);
    expect(unit).toMatch(/Requires=docker\.service\nAfter=docker\.service/);
    expect(calls.filter((c) => c[0] === "run")).toEqual([]); // containers start from the unit, not here
  });

  it("stays under EC2's 16 KB user-data limit (raw, before base64), with every service and both receivers", () => {
    const all = fleetPlan(() => {}, ["hfToken", "slackWebhookUrl", "pagerdutyRoutingKey"]);
    expect(Buffer.byteLength(userData(all, filesOf(all), ELASTICACHE_HOST, API_BASES))).toBeLessThan(16_384);
  });

  it("the files' hash is in the script: a config change changes user data", () => {
    const changed = files.map((f) =>
      f.path === FILE_PATHS.litellmConfig ? { ...f, content: `${f.content}# x\n` } : f,
    );
    expect(userData(p, changed, ELASTICACHE_HOST, API_BASES)).not.toBe(script);
    expect(userData(p, files, ELASTICACHE_HOST, API_BASES)).toBe(script);
  });

  it("refuses a secret it has no SSM parameter for", () => {
    const { gatewayMasterKey: _drop, ...rest } = names(p);
    expect(() =>
      controlHostContainers(p, files, { secretParameters: rest, gatewayEnv: {}, publish: PUBLISH }),
    ).toThrow(/no SSM parameter for the secret gatewayMasterKey/);
  });
});

const hasShellcheck = requireTool("shellcheck");
const SC_INSTALL = "apt-get install shellcheck";
itRequiresToolInCi("shellcheck", SC_INSTALL);
describe.skipIf(!hasShellcheck)(
  toolTitle("shellcheck on the user data", "shellcheck", hasShellcheck, SC_INSTALL),
  () => {
    // The fleet variants as AwsControlHost renders them are checked in test/aws.controlHost.test.ts too.
    it("passes at every severity: docker plan with both receivers, fleet with ElastiCache and Slack", () => {
      const fleet = fleetPlan(() => {}, ["hfToken", "slackWebhookUrl"]);
      for (const script of [
        userData(remoteOnlyPlan(), filesOf(remoteOnlyPlan())),
        userData(fleet, filesOf(fleet), ELASTICACHE_HOST, API_BASES),
      ]) {
        const r = run("shellcheck", ["-S", "style", "-"], { input: script });
        expect(r.status, r.stdout + r.stderr).toBe(0);
      }
    });
    it("negative control: a broken script is flagged", () => {
      expect(run("shellcheck", ["-"], { input: "#!/bin/bash\necho $1\n" }).status).not.toBe(0);
    });
  },
);
