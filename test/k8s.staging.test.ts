// The staging stack (kubernetes target) on Pulumi's mock runtime: the real program through runOffline, the same
// path `npm run plan -- staging` takes. Asserts what the cluster would receive, object by object.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOffline, SECRET_MASK, type PlannedResource } from "../bin/offline/run";
import { readStackFile, SECURE_PLACEHOLDER } from "../bin/offline/stackFile";
import { CHARTS } from "../components/catalog";
import { isVllm, type VllmModel } from "../components/plan";
import type { Json } from "./helpers/kubeLayer";

const ROOT = join(__dirname, "..");

describe("kubernetes target: the staging stack on mocks", async () => {
  const result = await runOffline("staging", readStackFile(join(ROOT, "stacks", "Pulumi.staging.yaml")));
  const rs = result.resources;
  const vllmModels = result.plan.models.filter(isVllm);
  const ns = "ai-layer";

  const ofKind = (kind: string): Json[] =>
    rs.filter((r) => r.type.startsWith("kubernetes:") && r.type.endsWith(`:${kind}`)).map((r) => r.inputs);
  const one = (kind: string, name: string): Json => {
    const found = ofKind(kind).filter((o) => o.metadata?.name === name);
    expect(found, `${kind} ${name}`).toHaveLength(1);
    return found[0];
  };
  const deployments = ofKind("Deployment");
  const vllmDeployments = deployments.filter((d) => d.metadata.name.startsWith("vllm-"));
  const argValue = (args: string[], flag: string) => {
    const i = args.indexOf(flag);
    expect(i, `${flag} in ${args.join(" ")}`).toBeGreaterThanOrEqual(0);
    return args[i + 1];
  };
  const modelOf = (d: Json): VllmModel => {
    const m = vllmModels.find((x) => x.name === d.metadata.labels["ai-layer.dev/model"]);
    expect(m, d.metadata.name).toBeDefined();
    return m!;
  };

  it("one vLLM Deployment per self-hosted model (ai-layer-vllm-<name>), none for the remote one", () => {
    const names = rs
      .filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.startsWith("ai-layer-vllm-"))
      .map((r) => r.name);
    expect(names.sort()).toEqual(["ai-layer-vllm-chat", "ai-layer-vllm-chat-small", "ai-layer-vllm-embed"]);
    expect(vllmDeployments).toHaveLength(3);
    expect(result.plan.models.map((m) => m.name)).toContain("overflow");
  });

  describe.each(["chat", "chat-small", "embed"])("vllm-%s", (model) => {
    const d = () => one("Deployment", `vllm-${model}`);
    const pod = () => d().spec.template.spec;
    const c = () => pod().containers[0];

    it("runs a pinned vLLM image (a version tag, never latest)", () => {
      expect(c().image).toMatch(/^vllm\/vllm-openai:v\d+\.\d+\.\d+$/);
      expect(c().image).not.toMatch(/:(latest|main|nightly)/);
    });

    it("--max-model-len is the plan's and the GPU limit equals --tensor-parallel-size", () => {
      const m = modelOf(d());
      expect(Number(argValue(c().args, "--max-model-len"))).toBe(m.maxModelLen);
      expect(argValue(c().args, "--served-model-name")).toBe(model);
      const tp = argValue(c().args, "--tensor-parallel-size");
      expect(Number(tp)).toBe(m.gpu.count);
      expect(c().resources.limits["nvidia.com/gpu"]).toBe(tp);
      expect(c().resources.requests["nvidia.com/gpu"]).toBe(tp);
    });

    it("mounts /dev/shm from a memory-backed emptyDir", () => {
      const mount = c().volumeMounts.find((v: Json) => v.mountPath === "/dev/shm");
      expect(mount).toBeDefined();
      const vol = pod().volumes.find((v: Json) => v.name === mount.name);
      expect(vol.emptyDir.medium).toBe("Memory");
    });

    it("has startup, readiness and liveness probes on GET /health", () => {
      for (const p of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        expect(c()[p]?.httpGet?.path, p).toBe("/health");
        expect(c().ports.map((x: Json) => x.name)).toContain(c()[p].httpGet.port);
      }
    });

    it("lands on nodes of its GPU type and tolerates the GPU taint", () => {
      expect(pod().nodeSelector).toEqual({ "ai-layer.dev/gpu": modelOf(d()).gpu.type });
      expect(pod().nodeSelector["ai-layer.dev/gpu"]).toBe("L4");
      expect(pod().tolerations).toContainEqual(expect.objectContaining({ key: "nvidia.com/gpu" }));
    });

    it("reads VLLM_API_KEY and HF_TOKEN from the layer Secret", () => {
      const env = (name: string) => c().env.find((e: Json) => e.name === name);
      for (const [name, key] of [
        ["VLLM_API_KEY", "vllmApiKey"],
        ["HF_TOKEN", "hfToken"],
      ]) {
        expect(env(name!)?.value, name).toBeUndefined();
        expect(env(name!)?.valueFrom?.secretKeyRef, name).toMatchObject({ name: "ai-layer-secrets", key });
      }
    });

    it("is scaled by a KEDA ScaledObject with the model's min/max", () => {
      const so = ofKind("ScaledObject").filter((s) => s.spec.scaleTargetRef.name === `vllm-${model}`);
      expect(so).toHaveLength(1);
      expect(so[0].spec.scaleTargetRef).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment" });
      const { min, max } = modelOf(d()).replicas;
      expect([so[0].spec.minReplicaCount, so[0].spec.maxReplicaCount]).toEqual([min, max]);
      expect(so[0].metadata.namespace).toBe(ns);
    });
  });

  it("ScaledObjects carry the stack file's replicas (chat 1–4, chat-small 0–2, embed 1–1)", () => {
    const counts = Object.fromEntries(
      ofKind("ScaledObject").map((s) => [s.metadata.name, [s.spec.minReplicaCount, s.spec.maxReplicaCount]]),
    );
    expect(counts).toEqual({ "vllm-chat": [1, 4], "vllm-chat-small": [0, 2], "vllm-embed": [1, 1] });
  });

  it("no env var anywhere carries a literal secret; secret-named vars use secretKeyRef", () => {
    for (const d of [...deployments, ...ofKind("DaemonSet")]) {
      for (const c of [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          const where = `${d.metadata.name}/${c.name} ${e.name}`;
          if (/KEY|TOKEN|PASSWORD|SECRET/.test(e.name)) {
            expect(e.value, where).toBeUndefined();
            expect(e.valueFrom?.secretKeyRef?.name, where).toBe("ai-layer-secrets");
          }
        }
      }
    }
    // Generated passwords (the mocks return mockpw…) and secure config never reach a plain input.
    const plain = JSON.stringify(rs.filter((r) => r.type.startsWith("kubernetes:")));
    expect(plain).not.toContain("mockpw");
    expect(plain).not.toContain(SECURE_PLACEHOLDER);
  });

  it("the gateway probes /health/liveliness and /health/readiness", () => {
    const c = one("Deployment", "litellm").spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe("/health/liveliness");
    expect(c.readinessProbe.httpGet.path).toBe("/health/readiness");
  });

  it("the gateway's config checksum annotation is sha256 of the ConfigMap's config.yaml", () => {
    const config: string = one("ConfigMap", "litellm-config").data["config.yaml"];
    const rendered = result.files.find((f) => f.path === "litellm/config.yaml")!.content;
    expect(config).toBe(rendered);
    const sha = createHash("sha256").update(config).digest("hex");
    const d = one("Deployment", "litellm");
    expect(d.spec.template.metadata.annotations["ai-layer.dev/config-sha256"]).toBe(sha);
    const vol = d.spec.template.spec.volumes.find((v: Json) => v.configMap);
    expect(vol.configMap.name).toBe("litellm-config");
  });

  it("every traffic-serving Deployment (vllm-*, litellm) has a PDB selecting exactly its pods", () => {
    const serving = deployments.filter((d) => /^vllm-|^litellm$/.test(d.metadata.name));
    expect(serving).toHaveLength(4);
    const pdbs = ofKind("PodDisruptionBudget");
    for (const d of serving) {
      const podLabels = d.spec.template.metadata.labels;
      const matching = pdbs.filter((p) =>
        Object.entries(p.spec.selector.matchLabels).every(([k, v]) => podLabels[k] === v),
      );
      expect(matching, d.metadata.name).toHaveLength(1);
      // …and selects no other Deployment's pods.
      const others = deployments.filter(
        (o) =>
          o !== d &&
          Object.entries(matching[0].spec.selector.matchLabels).every(
            ([k, v]) => o.spec.template.metadata.labels[k] === v,
          ),
      );
      expect(
        others.map((o) => o.metadata.name),
        d.metadata.name,
      ).toEqual([]);
    }
  });

  it("the layer Secret's stringData is masked as a Pulumi secret", () => {
    const secrets = rs.filter((r) => r.type === "kubernetes:core/v1:Secret");
    expect(secrets).toHaveLength(1);
    const s = secrets[0]!.inputs as Json;
    expect(s.metadata.name).toBe("ai-layer-secrets");
    expect(s.stringData).toBe(SECRET_MASK);
    expect(s.data).toBeUndefined();
  });

  it("the kubernetes provider targets context staging, not the ambient one", () => {
    const providers = rs.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(providers).toHaveLength(1);
    expect((providers[0]!.inputs as Json).context).toBe("staging");
    // Every kubernetes resource is a child of the layer (which passes the provider down).
    const orphans = rs.filter((r: PlannedResource) => r.type.startsWith("kubernetes:") && r.parent === null);
    expect(orphans).toEqual([]);
  });

  it("installs KEDA from a pinned chart version", () => {
    const releases = rs.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    expect(releases).toHaveLength(1);
    const rel = releases[0]!.inputs as Json;
    expect(rel).toMatchObject({ chart: "keda", version: "2.20.2", namespace: "keda" });
    expect(rel.version).toBe(CHARTS.keda.version);
    expect(rel.repositoryOpts.repo).toMatch(/^https:\/\//);
  });

  it("ScaledObjects are KEDA custom resources in the layer namespace, one per vLLM Deployment", () => {
    const so = rs.filter((r) => r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject");
    expect(so.map((r) => r.name).sort()).toEqual(
      rs
        .filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.startsWith("ai-layer-vllm-"))
        .map((r) => r.name)
        .sort(),
    );
    for (const r of so) expect((r.inputs as Json).apiVersion).toBe("keda.sh/v1alpha1");
  });

  it("registers the namespaces with their Pod Security labels: ai-layer restricted, ai-layer-dcgm privileged", () => {
    const levels = Object.fromEntries(
      ofKind("Namespace").map((n) => [
        n.metadata.name,
        n.metadata.labels["pod-security.kubernetes.io/enforce"],
      ]),
    );
    expect(levels).toEqual({ [ns]: "restricted", [`${ns}-dcgm`]: "privileged" });
    expect(one("DaemonSet", "dcgm-exporter").metadata.namespace).toBe(`${ns}-dcgm`);
  });

  it("registers a default deny in both namespaces and a NetworkPolicy selecting every workload's pods", () => {
    const policies = ofKind("NetworkPolicy");
    for (const n of [ns, `${ns}-dcgm`])
      expect(
        policies.filter((p) => p.metadata.name === "default-deny" && p.metadata.namespace === n),
      ).toHaveLength(1);
    for (const w of [...ofKind("Deployment"), ...ofKind("DaemonSet")].filter(
      (x) => x.metadata.namespace !== "kube-system",
    )) {
      const labels = w.spec.template.metadata.labels;
      const selecting = policies.filter(
        (p) =>
          p.metadata.namespace === w.metadata.namespace &&
          p.metadata.name !== "default-deny" &&
          Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v),
      );
      expect(
        selecting.map((p) => p.metadata.name),
        w.metadata.name,
      ).toEqual([w.metadata.name]);
    }
  });
});
