// Each rule of the policy pack on resources that pass and resources that violate it (plain functions, no engine).
import { describe, expect, it } from "vitest";
import { RULES, type ResourceRule, type StackResource } from "../policies/rules";

const rule = (name: string) => {
  const r = RULES.find((x) => x.name === name);
  if (!r || r.kind !== "resource") throw new Error(`no resource rule ${name}`);
  return r as ResourceRule<any>;
};
const check = (name: string, type: string, props: Record<string, any>, config = {}, extra = {}) => {
  const r = rule(name);
  return r.check(type, props, {
    config: { ...(r.defaults as object), ...config },
    name: "r",
    secretsMasked: true,
    ...extra,
  });
};
const stackCheck = (name: string, resources: StackResource[], config = {}) => {
  const r = RULES.find((x) => x.name === name)!;
  if (r.kind !== "stack") throw new Error(`${name} is not a stack rule`);
  return r.check(resources, { config: { ...(r.defaults as object), ...config }, secretsMasked: true });
};

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONTAINER = "docker:index/container:Container";
const deployment = (container: Record<string, any>, extra: Record<string, any> = {}) => ({
  metadata: { name: "app" },
  spec: { template: { spec: { containers: [{ name: "app", ...container }], ...extra } } },
});
const goodContainer = {
  image: "vllm/vllm-openai:v0.25.1",
  args: ["m", "--max-model-len", "8192"],
  resources: { limits: { memory: "23Gi" } },
  readinessProbe: { httpGet: { path: "/health", port: 8000 } },
};
const dockerContainer = (image: string, extra: Record<string, any> = {}) => ({
  image: "sha256:" + "a".repeat(64),
  labels: [{ label: "ai-layer.image", value: image }],
  ...extra,
});

describe("images-pinned", () => {
  it.each([
    "ghcr.io/berriai/litellm:v1.104.2",
    "redis:7.4.11-alpine",
    "localhost:5000/team/vllm:0.25.1",
    `ollama/ollama@sha256:${"0".repeat(64)}`,
  ])("accepts %s", (image) => {
    expect(check("images-pinned", "docker:index/remoteImage:RemoteImage", { name: image })).toEqual([]);
    expect(check("images-pinned", DEPLOYMENT, deployment({ image }))).toEqual([]);
  });
  it.each([
    ["ghcr.io/berriai/litellm:main-latest", "main-latest"],
    ["ghcr.io/berriai/litellm:main-stable", "main-stable"],
    ["ollama/ollama:latest", "latest"],
    ["vllm/vllm-openai:nightly", "nightly"],
    ["localhost:5000/redis", "no tag"],
    ["grafana/grafana:main", "main"],
  ])("refuses %s (%s)", (image) => {
    expect(check("images-pinned", "docker:index/remoteImage:RemoteImage", { name: image })).toHaveLength(1);
    expect(check("images-pinned", CONTAINER, dockerContainer(image))[0]).toContain(image);
    expect(check("images-pinned", "kubernetes:apps/v1:DaemonSet", deployment({ image }))).toHaveLength(1);
  });
  it("checks init containers and CronJobs", () => {
    const cron = {
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "x" }] } } } } },
    };
    expect(check("images-pinned", "kubernetes:batch/v1:CronJob", cron)).toHaveLength(1);
    const init = deployment({ image: "a:1.0" }, { initContainers: [{ name: "i", image: "busybox:latest" }] });
    expect(check("images-pinned", DEPLOYMENT, init)).toEqual([
      'init container i busybox:latest uses the floating tag "latest"',
    ]);
  });
});

describe("helm-chart-pinned", () => {
  const T = "kubernetes:helm.sh/v3:Release";
  it("passes an exact version, refuses none or a range", () => {
    expect(check("helm-chart-pinned", T, { chart: "keda", version: "2.20.2" })).toEqual([]);
    expect(check("helm-chart-pinned", T, { chart: "keda" })).toHaveLength(1);
    expect(check("helm-chart-pinned", T, { chart: "keda", version: "^2.0.0" })).toHaveLength(1);
  });
});

describe("container-resource-limits", () => {
  it("Kubernetes: needs resources.limits.memory", () => {
    expect(check("container-resource-limits", DEPLOYMENT, deployment(goodContainer))).toEqual([]);
    const noLimit = deployment({ ...goodContainer, resources: { requests: { memory: "1Gi" } } });
    expect(check("container-resource-limits", DEPLOYMENT, noLimit)).toEqual([
      "container app has no resources.limits.memory",
    ]);
  });
  it("Docker: needs memory where checkDocker is on (off by default: Docker targets are dev boxes)", () => {
    const on = { checkDocker: true };
    const limited = dockerContainer("redis:7.4.11", { memory: 352 });
    expect(check("container-resource-limits", CONTAINER, limited, on)).toEqual([]);
    expect(check("container-resource-limits", CONTAINER, dockerContainer("redis:7.4.11"), on)).toHaveLength(
      1,
    );
    expect(check("container-resource-limits", CONTAINER, dockerContainer("redis:7.4.11"))).toEqual([]);
  });
});

describe("container-health-probes", () => {
  it("Kubernetes: readiness, or startup + liveness; jobs and exempt images are not checked", () => {
    expect(check("container-health-probes", DEPLOYMENT, deployment(goodContainer))).toEqual([]);
    const startLive = { image: "a:1", startupProbe: {}, livenessProbe: {} };
    expect(check("container-health-probes", DEPLOYMENT, deployment(startLive))).toEqual([]);
    expect(
      check("container-health-probes", DEPLOYMENT, deployment({ image: "a:1", livenessProbe: {} })),
    ).toHaveLength(1);
    const plugin = deployment({ image: "nvcr.io/nvidia/k8s-device-plugin:v0.20.0" });
    expect(check("container-health-probes", "kubernetes:apps/v1:DaemonSet", plugin)).toEqual([]);
    expect(check("container-health-probes", "kubernetes:batch/v1:Job", deployment({ image: "a:1" }))).toEqual(
      [],
    );
  });
  it("Docker: a healthcheck, except the allow-listed redis_exporter (no shell)", () => {
    const hc = { healthcheck: { tests: ["CMD-SHELL", "redis-cli ping"] } };
    expect(check("container-health-probes", CONTAINER, dockerContainer("redis:7.4.11", hc))).toEqual([]);
    expect(check("container-health-probes", CONTAINER, dockerContainer("redis:7.4.11"))).toHaveLength(1);
    const none = { healthcheck: { tests: ["NONE"] } };
    expect(check("container-health-probes", CONTAINER, dockerContainer("redis:7.4.11", none))).toHaveLength(
      1,
    );
    expect(
      check("container-health-probes", CONTAINER, dockerContainer("oliver006/redis_exporter:v1.88.0")),
    ).toEqual([]);
  });
});

describe("vllm-max-model-len", () => {
  it("Kubernetes and Docker vLLM containers need --max-model-len; other images are ignored", () => {
    expect(check("vllm-max-model-len", DEPLOYMENT, deployment(goodContainer))).toEqual([]);
    const eq = deployment({ ...goodContainer, args: ["m", "--max-model-len=4096"] });
    expect(check("vllm-max-model-len", DEPLOYMENT, eq)).toEqual([]);
    expect(
      check("vllm-max-model-len", DEPLOYMENT, deployment({ ...goodContainer, args: ["m"] })),
    ).toHaveLength(1);
    expect(check("vllm-max-model-len", DEPLOYMENT, deployment({ image: "redis:7" }))).toEqual([]);
    const docker = (command: string[]) => dockerContainer("vllm/vllm-openai:v0.25.1", { command });
    expect(
      check("vllm-max-model-len", CONTAINER, docker(["--model", "m", "--max-model-len", "8192"])),
    ).toEqual([]);
    expect(check("vllm-max-model-len", CONTAINER, docker(["--model", "m"]))).toHaveLength(1);
  });
  it("EC2 user data that starts vLLM", () => {
    const ud = (s: string) => ({ userData: s });
    const T = "aws:ec2/instance:Instance";
    expect(
      check("vllm-max-model-len", T, ud("docker run vllm/vllm-openai:v0.25.1 --max-model-len 8192")),
    ).toEqual([]);
    expect(check("vllm-max-model-len", T, ud("docker run vllm/vllm-openai:v0.25.1 --model m"))).toHaveLength(
      1,
    );
    // Shell-quoted, one argument per line (renderVllmUserData), base64 in a launch template.
    const LT = "aws:ec2/launchTemplate:LaunchTemplate";
    const b64 = (text: string) => ({ userData: Buffer.from(text).toString("base64") });
    const quoted = "IMAGE='vllm/vllm-openai:v0.25.1'\nARGS=(\n  'm'\n  '--max-model-len'\n  '8192'\n)\n";
    expect(check("vllm-max-model-len", LT, b64(quoted))).toEqual([]);
    expect(
      check("vllm-max-model-len", LT, b64(quoted.replace("'--max-model-len'\n  '8192'\n", ""))),
    ).toHaveLength(1);
  });
});

describe("no-public-internal-services", () => {
  const svc = (name: string, spec: Record<string, any>) => ({
    metadata: { name },
    spec: { ports: [{ port: 1 }], ...spec },
  });
  const S = "kubernetes:core/v1:Service";
  it("Services: ClusterIP and ranged LoadBalancers pass; open LoadBalancers and NodePorts do not", () => {
    expect(check("no-public-internal-services", S, svc("redis", { type: "ClusterIP" }))).toEqual([]);
    const ranged = svc("redis", { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/8"] });
    expect(check("no-public-internal-services", S, ranged)).toEqual([]);
    expect(check("no-public-internal-services", S, svc("litellm", { type: "LoadBalancer" }))).toEqual([]);
    for (const bad of [
      svc("redis", { type: "LoadBalancer" }),
      svc("vllm-chat", { type: "LoadBalancer", loadBalancerSourceRanges: ["0.0.0.0/0"] }),
      svc("grafana", { type: "NodePort" }),
    ])
      expect(check("no-public-internal-services", S, bad)).toHaveLength(1);
  });
  it("Ingress to an internal service needs a source-range annotation", () => {
    const ing = (annotations = {}) => ({
      metadata: { name: "i", annotations },
      spec: { rules: [{ http: { paths: [{ backend: { service: { name: "grafana" } } }] } }] },
    });
    const T = "kubernetes:networking.k8s.io/v1:Ingress";
    expect(check("no-public-internal-services", T, ing())).toHaveLength(1);
    const ok = { "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8" };
    expect(check("no-public-internal-services", T, ing(ok))).toEqual([]);
  });
  it("AWS security groups: no 0.0.0.0/0 or ::/0 on Redis, vLLM, Grafana ports", () => {
    const sg = (rule: Record<string, any>) => ({ ingress: [{ protocol: "tcp", ...rule }] });
    const T = "aws:ec2/securityGroup:SecurityGroup";
    expect(
      check(
        "no-public-internal-services",
        T,
        sg({ fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/0"] }),
      ),
    ).toHaveLength(1);
    expect(
      check("no-public-internal-services", T, sg({ fromPort: 7000, toPort: 9000, ipv6CidrBlocks: ["::/0"] })),
    ).toHaveLength(1);
    expect(
      check("no-public-internal-services", T, sg({ fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] })),
    ).toEqual([]);
    expect(
      check(
        "no-public-internal-services",
        T,
        sg({ fromPort: 3000, toPort: 3000, cidrBlocks: ["10.0.0.0/16"] }),
      ),
    ).toEqual([]);
    const rule = { type: "ingress", fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"] };
    expect(
      check("no-public-internal-services", "aws:ec2/securityGroupRule:SecurityGroupRule", rule),
    ).toHaveLength(1);
    const v = { cidrIpv4: "0.0.0.0/0", fromPort: 8000, toPort: 8000, ipProtocol: "tcp" };
    expect(
      check("no-public-internal-services", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", v),
    ).toHaveLength(1);
  });
  it("Docker: Grafana/Prometheus/Redis ports only on loopback (a missing ip means all interfaces)", () => {
    const grafana = (ip?: string) =>
      dockerContainer("grafana/grafana:13.2.1", {
        ports: [{ internal: 3000, external: 3000, ...(ip ? { ip } : {}) }],
      });
    expect(check("no-public-internal-services", CONTAINER, grafana("127.0.0.1"))).toEqual([]);
    expect(check("no-public-internal-services", CONTAINER, grafana("0.0.0.0"))).toHaveLength(1);
    expect(check("no-public-internal-services", CONTAINER, grafana())).toHaveLength(1);
    const gateway = dockerContainer("ghcr.io/berriai/litellm:v1.104.2", {
      ports: [{ internal: 4000, ip: "0.0.0.0" }],
    });
    expect(check("no-public-internal-services", CONTAINER, gateway)).toEqual([]);
  });
});
