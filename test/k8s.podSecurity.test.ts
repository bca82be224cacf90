// Pod Security on the kubernetes target: every pod the layer runs, checked against the Pod Security Standards
// (helpers/kubePodSecurity.ts), and every namespace's pod-security.kubernetes.io/enforce label against what its pods
// meet. Plans: the shipped staging (kubernetes) and prod (aws-eks) stacks, and variants that switch on the other
// workloads (Alertmanager, an existing Redis or Prometheus, a cluster that already runs the GPU agents).
import { describe, expect, it } from "vitest";
import { DEVICE_PLUGIN_NAMESPACE } from "../components/kubernetes/manifests/gpuAgents";
import type { KubeObject } from "../components/kubernetes/manifests/common";
import { CLUSTER_PLANS } from "./helpers/kubeClusterPlans";
import { kubeLabel, layerObjects, type Json } from "./helpers/kubeLayer";
import {
  baselineViolations,
  podSecurityLevel,
  restrictedViolations,
  strictestLevel,
} from "./helpers/kubePodSecurity";

const WORKLOAD_KINDS = ["Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"];
const podSpecOf = (o: KubeObject): Json =>
  o.kind === "CronJob" ? (o as Json).spec.jobTemplate.spec.template.spec : (o as Json).spec.template.spec;

describe("the Pod Security checker itself", () => {
  const restricted = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      { name: "c", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } },
    ],
    volumes: [{ name: "v", emptyDir: {} }],
  };
  it("passes a restricted pod, and names each rule a changed field breaks", () => {
    expect(restrictedViolations(restricted)).toEqual([]);
    const broken = structuredClone(restricted) as Json;
    broken.securityContext.runAsNonRoot = false;
    broken.containers[0].securityContext.capabilities = { drop: ["ALL"], add: ["NET_ADMIN"] };
    broken.volumes.push({ name: "h", hostPath: { path: "/" } });
    delete broken.securityContext.seccompProfile;
    expect(restrictedViolations(broken)).toEqual(
      expect.arrayContaining([
        "Running as Non-root: c",
        "Capabilities: c adds NET_ADMIN",
        "HostPath Volumes: h",
        "Volume Types: h is hostPath",
        "Seccomp: c undefined",
      ]),
    );
    expect(podSecurityLevel(broken)).toBe("privileged");
    const baseline = structuredClone(restricted) as Json;
    delete baseline.containers[0].securityContext;
    expect(baselineViolations(baseline)).toEqual([]);
    expect(podSecurityLevel(baseline)).toBe("baseline");
  });
});

describe.each(CLUSTER_PLANS)("%s", (_name, makeIt) => {
  const plan = makeIt();
  const objects = layerObjects(plan);
  const workloads = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
  const namespaces = objects.filter((o) => o.kind === "Namespace");
  const enforced = (ns: string) => namespaces.find((n) => n.metadata.name === ns)?.metadata.labels;

  it("runs workloads", () => {
    expect(workloads.length).toBeGreaterThan(2);
  });

  it.each(workloads.map((w) => [kubeLabel(w), w] as const))(
    "%s meets the level its namespace enforces",
    (_l, w) => {
      const ns = w.metadata.namespace!;
      if (ns === DEVICE_PLUGIN_NAMESPACE) {
        // NVIDIA's device plugin needs the kubelet's device-plugins hostPath: a node agent for kube-system, which
        // the layer does not create or label. It must still be the only thing placed there.
        expect(w.metadata.name).toBe("nvidia-device-plugin-daemonset");
        return;
      }
      const level = enforced(ns)?.["pod-security.kubernetes.io/enforce"];
      expect(level, `Namespace ${ns} is created by the layer with an enforce label`).toBeDefined();
      const pod = podSpecOf(w);
      const violations =
        level === "restricted"
          ? restrictedViolations(pod)
          : level === "baseline"
            ? baselineViolations(pod)
            : [];
      expect(violations).toEqual([]);
    },
  );

  it("every namespace enforces exactly the strictest level all its pods meet, and warns and audits at restricted", () => {
    expect(namespaces.length).toBeGreaterThan(0);
    for (const n of namespaces) {
      const pods = workloads.filter((w) => w.metadata.namespace === n.metadata.name).map(podSpecOf);
      expect(pods.length, `${n.metadata.name} has pods`).toBeGreaterThan(0);
      expect(n.metadata.labels, n.metadata.name).toMatchObject({
        "pod-security.kubernetes.io/enforce": strictestLevel(pods.map(podSecurityLevel)),
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      });
    }
  });

  it("the layer's own namespace is restricted; anything privileged sits elsewhere", () => {
    expect(enforced(plan.target.namespace)?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("only Prometheus mounts a service-account token (it discovers targets through the API)", () => {
    const withToken = workloads
      .filter((w) => podSpecOf(w).automountServiceAccountToken !== false)
      .map((w) => w.metadata.name);
    const expected = objects.some((o) => o.kind === "Deployment" && o.metadata.name === "prometheus")
      ? ["prometheus"]
      : [];
    expect(withToken).toEqual(expected);
  });

  it("every path a container is told to write to (HOME, caches, HF_HOME) is on a writable volume", () => {
    const WRITE_ENV = [
      "HOME",
      "XDG_CACHE_HOME",
      "PRISMA_BINARY_CACHE_DIR",
      "LITELLM_MIGRATION_DIR",
      "HF_HOME",
    ];
    let checked = 0;
    for (const w of workloads)
      for (const c of podSpecOf(w).containers) {
        const writable = (c.volumeMounts ?? [])
          .filter((m: Json) => !m.readOnly)
          .map((m: Json) => m.mountPath);
        for (const e of (c.env ?? []).filter((x: Json) => WRITE_ENV.includes(x.name))) {
          checked++;
          const under = writable.some((p: string) => e.value === p || e.value.startsWith(`${p}/`));
          expect(under, `${kubeLabel(w)} ${e.name}=${e.value} on a writable mount`).toBe(true);
        }
      }
    expect(checked).toBeGreaterThan(0);
  });

  it("each pod runs as the user its pinned image is built for", () => {
    // The images' USER, as the manifests' comments cite them: LiteLLM 65532:65532, redis 999 (group 1000), the
    // exporter 59000:59000, Prometheus and Alertmanager nobody (65534), Grafana 472; vLLM's `vllm` user is 2000.
    const IMAGE_USERS: Record<string, [number, number]> = {
      litellm: [65532, 65532],
      redis: [999, 1000],
      "redis-exporter": [59000, 59000],
      prometheus: [65534, 65534],
      alertmanager: [65534, 65534],
      grafana: [472, 472],
      vllm: [2000, 2000],
    };
    let checked = 0;
    for (const w of workloads) {
      const user = IMAGE_USERS[w.metadata.labels?.["app.kubernetes.io/name"] ?? ""];
      if (!user) continue;
      checked++;
      const ctx = podSpecOf(w).securityContext;
      expect([ctx.runAsUser, ctx.runAsGroup, ctx.fsGroup], kubeLabel(w)).toEqual([user[0], user[1], user[1]]);
    }
    expect(checked).toBeGreaterThan(2);
  });

  it("the gateway writes only to /tmp and /app/cache, and leaves the image's UI, Prisma engines and migrations as built", () => {
    const gateway = workloads.find((w) => w.metadata.labels?.["app.kubernetes.io/name"] === "litellm")!;
    const pod = podSpecOf(gateway);
    const [c] = pod.containers;
    const writable = c.volumeMounts.filter((m: Json) => !m.readOnly).map((m: Json) => m.mountPath);
    expect(writable.sort()).toEqual(["/app/cache", "/tmp"]);
    for (const m of writable)
      expect(
        pod.volumes.find((v: Json) => v.name === c.volumeMounts.find((x: Json) => x.mountPath === m).name),
      ).toMatchObject({ emptyDir: { sizeLimit: expect.any(String) } });
    const env = Object.fromEntries(
      c.env.filter((e: Json) => "value" in e).map((e: Json) => [e.name, e.value]),
    );
    expect(env).toMatchObject({ HOME: "/tmp", XDG_CACHE_HOME: "/app/cache" });
    // The image's own PRISMA_BINARY_CACHE_DIR (/opt/prisma/binaries), LITELLM_NON_ROOT and UI path stay in force.
    for (const name of [
      "PRISMA_BINARY_CACHE_DIR",
      "LITELLM_MIGRATION_DIR",
      "LITELLM_UI_PATH",
      "LITELLM_NON_ROOT",
    ])
      expect(
        c.env.map((e: Json) => e.name),
        name,
      ).not.toContain(name);
    // No mount hides what the image ships there.
    const IMAGE_PATHS = [
      "/var/lib/litellm/ui",
      "/var/lib/litellm/assets",
      "/opt/prisma",
      "/app/migrations",
      "/app/.venv",
    ];
    for (const m of c.volumeMounts.map((x: Json) => x.mountPath))
      for (const p of IMAGE_PATHS)
        expect(p === m || p.startsWith(`${m}/`) || m.startsWith(`${p}/`), `${m} vs ${p}`).toBe(false);
    // The image's entrypoint stays: docker-entrypoint.sh runs `litellm "$@"` when the first arg starts with "-".
    expect(c.command).toBeUndefined();
    expect(c.args[0]).toMatch(/^-/);
  });

  it("vLLM starts in a writable HOME, with USER and LOGNAME set and HF_HOME on its weight volume", () => {
    const vllm = workloads.filter((w) => w.metadata.labels?.["app.kubernetes.io/name"] === "vllm");
    expect(vllm.length).toBeGreaterThan(0);
    for (const w of vllm) {
      const pod = podSpecOf(w);
      const [c] = pod.containers;
      const env = Object.fromEntries(
        c.env.filter((e: Json) => "value" in e).map((e: Json) => [e.name, e.value]),
      );
      expect(env, kubeLabel(w)).toMatchObject({ USER: "vllm", LOGNAME: "vllm" });
      const mountOf = (path: string) => c.volumeMounts.find((m: Json) => m.mountPath === path && !m.readOnly);
      const volumeOf = (path: string) => pod.volumes.find((v: Json) => v.name === mountOf(path)?.name);
      expect(c.workingDir, kubeLabel(w)).toBe(env.HOME);
      expect(volumeOf(env.HOME), `${kubeLabel(w)} HOME`).toMatchObject({ emptyDir: expect.any(Object) });
      expect(volumeOf(env.HF_HOME), `${kubeLabel(w)} HF_HOME`).toMatchObject({
        ephemeral: expect.any(Object),
      });
    }
  });

  it("the gateway, Redis, the exporter, Prometheus and Alertmanager run with a read-only root", () => {
    for (const w of workloads) {
      const name = w.metadata.labels?.["app.kubernetes.io/name"];
      if (!["litellm", "redis", "redis-exporter", "prometheus", "alertmanager"].includes(name!)) continue;
      for (const c of podSpecOf(w).containers)
        expect(c.securityContext?.readOnlyRootFilesystem, kubeLabel(w)).toBe(true);
    }
  });
});
