import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GPU_TAINT } from "../components/kubernetes/manifests/common";
import { DEVICE_PLUGIN_NAME, monitoringManifests } from "../components/kubernetes/manifests/monitoring";
import { monitoringFixture, type Json as Any } from "./helpers/kubeLayer";

// Schema validation of these objects is in k8s.monitoring.test.ts (every object monitoringManifests returns).
const { plan, ctx, files, find, podSpec } = monitoringFixture();

describe("GPU node agents", () => {
  const requiresGpuLabel = (s: Any) =>
    expect(s.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: ctx.gpuNodeLabel, operator: "Exists" }] },
    ]);
  const toleratesGpuTaint = (s: Any) =>
    expect(s.tolerations).toContainEqual({
      key: GPU_TAINT.key,
      operator: "Exists",
      effect: GPU_TAINT.effect,
    });

  it("DCGM exporter: on GPU nodes, tolerating the GPU taint, SYS_ADMIN, pod-resources read-only, port 9400", () => {
    const s = podSpec("dcgm-exporter", "DaemonSet");
    requiresGpuLabel(s);
    toleratesGpuTaint(s);
    const c = s.containers[0];
    expect(c.image).toBe(plan.images.dcgmExporter);
    expect(c.securityContext.capabilities.add).toEqual(["SYS_ADMIN"]);
    expect(c.ports).toEqual([{ name: "metrics", containerPort: 9400, protocol: "TCP" }]);
    const mount = c.volumeMounts.find((m: Any) => m.mountPath === "/var/lib/kubelet/pod-resources");
    expect(mount.readOnly).toBe(true);
    expect(s.volumes.find((v: Any) => v.name === mount.name).hostPath.path).toBe(
      "/var/lib/kubelet/pod-resources",
    );
  });

  it("DCGM exporter pods carry the label the dcgm scrape job keeps", () => {
    const cfg = parse(files.prometheusConfig) as Any;
    const keep = cfg.scrape_configs.find((j: Any) => j.job_name === "dcgm").relabel_configs[0];
    expect(keep.source_labels).toEqual(["__meta_kubernetes_pod_label_app_kubernetes_io_name"]);
    expect(find("DaemonSet", "dcgm-exporter").spec.template.metadata.labels["app.kubernetes.io/name"]).toBe(
      keep.regex,
    );
  });

  it("device plugin: NVIDIA's static manifest in kube-system, restricted to GPU nodes", () => {
    const ds = find("DaemonSet", DEVICE_PLUGIN_NAME);
    expect(ds.metadata.namespace).toBe("kube-system");
    expect(DEVICE_PLUGIN_NAME).toBe("nvidia-device-plugin-daemonset");
    const s = ds.spec.template.spec;
    expect(s.priorityClassName).toBe("system-node-critical");
    requiresGpuLabel(s);
    expect(s.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    const c = s.containers[0];
    expect(c.image).toBe(plan.images.nvidiaDevicePlugin);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(c.volumeMounts).toEqual([
      { name: "kubelet-device-plugins-dir", mountPath: "/var/lib/kubelet/device-plugins" },
    ]);
    expect(s.volumes[0].hostPath).toEqual({ path: "/var/lib/kubelet/device-plugins", type: "Directory" });
  });

  it("are left out when the cluster already runs them", () => {
    const none = monitoringManifests(ctx, plan, files, { dcgm: false, devicePlugin: false });
    expect(none.filter((o) => o.kind === "DaemonSet")).toEqual([]);
    const onlyPlugin = monitoringManifests(ctx, plan, files, { dcgm: false, devicePlugin: true });
    expect(onlyPlugin.filter((o) => o.kind === "DaemonSet").map((o) => o.metadata.name)).toEqual([
      DEVICE_PLUGIN_NAME,
    ]);
  });
});
