// The aws-ec2 control host's user data: the container layout rendered to bash and run for real against stubbed
// aws/docker CLIs; shellcheck on it and promtool on the fleet's prometheus.yml. The containers are the layer's
// service descriptions (test/render.services.test.ts checks them and each target's mapping of them), so no
// parity test with DockerLayer is needed. (fleetEndpoints' configs: test/aws.controlHost.test.ts.)
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { controlHostContainers, fleetEndpoints, REDIS_HOST_ENV } from "../components/aws/fleetEndpoints";
import { ssmSecretName } from "../components/plan";
import {
  FILE_PATHS,
  EC2_VLLM_TARGETS_FILE,
  GATEWAY_METRICS_KEY_FILE,
  PROMETHEUS_RULES_FILE,
  renderLayerFiles,
} from "../components/render";
import {
  CONTROL_HOST_TARGETS_DIR,
  CONTROL_HOST_TARGETS_TIMER,
} from "../components/render/controlHostUserData";
import {
  API_BASES,
  ELASTICACHE_HOST,
  fakeSecret,
  filesOf,
  LEAK,
  names,
  PUBLISH,
  remoteOnlyPlan,
  runStart,
  STACK,
  tempDir,
  userData,
} from "./helpers/controlHostRun";
import { gpuFleetPlan as fleetPlan } from "./helpers/gpuFleet";
import { itRequiresToolInCi, requireTool, run, toolTitle } from "./helpers/tools";

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

    it("the whole config is valid", () => {
      const r = check(files.prometheusConfig!.content);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it("negative control: an unknown file_sd_configs field is refused", () => {
      const r = check(
        files.prometheusConfig!.content.replace(
          "refresh_interval: 1m",
          "refresh_interval: 1m\n        portt: 1",
        ),
      );
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/portt/);
    });
  },
);

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
    const reboot = runStart(script, files, undefined, "start", {}, images);
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
      ["enable", "--now", "--no-block", CONTROL_HOST_TARGETS_TIMER],
    ]);
    const timer = readFileSync(join(dir, "units", CONTROL_HOST_TARGETS_TIMER), "utf8");
    expect(timer).toMatch(/OnUnitActiveSec=30s/);
    expect(readFileSync(join(dir, "units", "ai-layer-vllm-targets.service"), "utf8")).toContain(
      `ExecStart=${root}/bin/control-host discover`,
    );
    expect(readFileSync(join(root, "bin", "control-host"), "utf8")).toBe(script);
    const unit = readFileSync(join(dir, "units", "ai-layer-control-host.service"), "utf8");
    expect(unit).toContain(`ExecStart=${root}/bin/control-host start`);
    expect(unit).toMatch(/Requires=docker\.service\nAfter=docker\.service/);
    expect(calls.filter((c) => c[0] === "run")).toEqual([]); // containers start from the unit, not here
  });

  it("Prometheus mounts the host's targets directory read-only; an EC2 API failure leaves an empty list", () => {
    const { r, root } = started;
    const mount = script.match(/-v "\$ROOT\/"'([^']+)'/)![1]!;
    expect(mount).toBe(`${CONTROL_HOST_TARGETS_DIR}:/etc/prometheus/${dirname(EC2_VLLM_TARGETS_FILE)}:ro`);
    expect(byService("prometheus").volumes).toContain(`/etc/prometheus/${dirname(EC2_VLLM_TARGETS_FILE)}`);
    expect(byService("gateway").volumes).toEqual([]);
    // The stub's EC2 API fails here (no FAKE_EC2): the containers start anyway, Prometheus with no vLLM target.
    expect(r.stderr).toContain("listing the GPU fleet failed");
    expect(readFileSync(join(root, CONTROL_HOST_TARGETS_DIR, "vllm-ec2.json"), "utf8")).toBe("[]\n");
  });

  it("a plan without a GPU fleet gets no listing, timer or targets mount", () => {
    const remote = userData(remoteOnlyPlan(), filesOf(remoteOnlyPlan()));
    expect(remote).not.toContain("describe-instances");
    expect(remote).not.toContain(CONTROL_HOST_TARGETS_TIMER);
    expect(remote).not.toContain(CONTROL_HOST_TARGETS_DIR);
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
