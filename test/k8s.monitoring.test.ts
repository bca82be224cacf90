import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LAYER_SECRET_NAME, type KubeObject } from "../components/kubernetes/manifests/common";
import {
  DEVICE_PLUGIN_NAME,
  GATEWAY_MASTER_KEY_SECRET_KEY,
  GRAFANA_ADMIN_PASSWORD_SECRET_KEY,
  monitoringManifests,
} from "../components/kubernetes/manifests/monitoring";
import { dcgmExporterNamespace } from "../components/plan";
import { monitoringFixture, kubeLabel as label, type Json as Any } from "./helpers/kubeLayer";
import { kubeTypeErrors, validateKubeObject, type AnyKubeObject } from "./helpers/kubeSchema";

const { plan, ctx, files, all, find, podSpec, container, workloads } = monitoringFixture();

describe("monitoring manifests against the official Kubernetes schemas", () => {
  it.each(all.map((o) => [label(o), o] as const))("%s validates", (_l, o) => {
    expect(() => validateKubeObject(o as AnyKubeObject)).not.toThrow();
  });

  it("have no unknown or mistyped fields (type-checked against kubernetes-models' interfaces)", () => {
    expect(kubeTypeErrors(all as AnyKubeObject[])).toEqual([]);
  }, 60_000);

  it("negative controls: schema violations, misspelt fields and unknown kinds are caught", () => {
    const broken = structuredClone(find("Deployment", "prometheus"));
    broken.spec.template.spec.containers[0].resources.limits.cpu = "lots";
    expect(() => validateKubeObject(broken)).toThrow(/prometheus.*quantity/);
    const misspelt = structuredClone(find("Deployment", "grafana"));
    misspelt.spec.template.spec.containers[0].readinesProbe =
      misspelt.spec.template.spec.containers[0].readinessProbe;
    expect(kubeTypeErrors([misspelt]).join("\n")).toMatch(/grafana.*readinesProbe/);
    expect(() =>
      validateKubeObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
    ).toThrow(/unknown kind/);
  }, 60_000);

  it("names are unique per kind and namespace; layer objects sit in the layer namespace, DCGM's in its own", () => {
    const keys = all.map(label);
    expect(new Set(keys).size).toBe(keys.length);
    const dcgmNs = dcgmExporterNamespace(ctx.namespace);
    const inDcgmNs = all.filter((x) => x.metadata.namespace === dcgmNs).map(label);
    // The exporter, and the Role letting the layer's Prometheus discover its pods there.
    expect(inDcgmNs.sort()).toEqual(
      [
        `DaemonSet ${dcgmNs}/dcgm-exporter`,
        `Role ${dcgmNs}/prometheus-discovery`,
        `RoleBinding ${dcgmNs}/prometheus-discovery`,
      ].sort(),
    );
    for (const o of all.filter(
      (x) => x.metadata.name !== DEVICE_PLUGIN_NAME && x.metadata.namespace !== dcgmNs,
    ))
      expect(o.metadata.namespace, label(o)).toBe(ctx.namespace);
  });
});

describe("every workload", () => {
  it.each(workloads.map((w) => [label(w), w] as const))("%s: selector matches template labels", (_l, w) => {
    expect(w.spec.template.metadata.labels).toMatchObject(w.spec.selector.matchLabels);
  });

  it.each(workloads.map((w) => [label(w), w] as const))(
    "%s: every container has cpu and memory requests and limits, with requests <= limits",
    (_l, w) => {
      const cpu = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q));
      const mem = (q: string) =>
        Number(q.slice(0, -2)) * ({ Mi: 1, Gi: 1024 } as Record<string, number>)[q.slice(-2)]!;
      for (const c of w.spec.template.spec.containers) {
        const { requests, limits } = c.resources;
        expect(Object.keys(requests).sort()).toEqual(["cpu", "memory"]);
        expect(Object.keys(limits).sort()).toEqual(["cpu", "memory"]);
        expect(cpu(requests.cpu)).toBeLessThanOrEqual(cpu(limits.cpu));
        expect(mem(requests.memory)).toBeLessThanOrEqual(mem(limits.memory));
      }
    },
  );

  it("serving HTTP (Prometheus, Grafana, DCGM): readiness and liveness httpGet probes on a declared port", () => {
    for (const [name, kind] of [
      ["prometheus", "Deployment"],
      ["grafana", "Deployment"],
      ["dcgm-exporter", "DaemonSet"],
    ]) {
      const c = container(name!, kind);
      const ports = c.ports.map((p: Any) => p.containerPort);
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        expect(probe?.httpGet?.path, name).toMatch(/^\//);
        expect(ports, name).toContain(probe.httpGet.port);
      }
    }
    expect(container("prometheus").readinessProbe.httpGet.path).toBe("/-/ready");
    expect(container("prometheus").livenessProbe.httpGet.path).toBe("/-/healthy");
    expect(container("grafana").readinessProbe.httpGet.path).toBe("/api/health");
  });

  it("pins images from the plan (never latest)", () => {
    const images = workloads.flatMap((w) => w.spec.template.spec.containers.map((c: Any) => c.image));
    expect(images.sort()).toEqual(
      [
        plan.images.prometheus,
        plan.images.grafana,
        plan.images.dcgmExporter,
        plan.images.nvidiaDevicePlugin,
      ].sort(),
    );
    for (const i of images) expect(i).not.toMatch(/:latest$|^[^:]+$/);
  });
});

describe("Prometheus", () => {
  const spec = podSpec("prometheus");
  const c = container("prometheus");
  const arg = (flag: string) => c.args.find((a: string) => a.startsWith(`--${flag}=`))?.split("=")[1];
  const mountOf = (path: string) => c.volumeMounts.find((m: Any) => m.mountPath === path);
  const volume = (name: string) => spec.volumes.find((v: Any) => v.name === name);

  it("mounts the gateway key exactly where prometheus.yml's credentials_file points", () => {
    const cfg = parse(find("ConfigMap", "prometheus-config").data["prometheus.yml"]) as Any;
    const rel = cfg.scrape_configs.find((j: Any) => j.job_name === "litellm").authorization.credentials_file;
    const keyPath = posix.join(posix.dirname(arg("config.file")), rel); // Prometheus: relative to the config file
    expect(keyPath).toBe("/etc/prometheus/secrets/gateway-master-key");
    const mount = mountOf(posix.dirname(keyPath));
    expect(mount?.readOnly).toBe(true);
    expect(volume(mount.name).secret).toMatchObject({
      secretName: LAYER_SECRET_NAME,
      items: [{ key: GATEWAY_MASTER_KEY_SECRET_KEY, path: posix.basename(keyPath) }],
    });
    expect(plan.secrets.map((s) => s.configKey)).toContain(GATEWAY_MASTER_KEY_SECRET_KEY);
  });

  it("reads prometheus.yml from the ConfigMap mounted at the --config.file directory", () => {
    const file = arg("config.file");
    expect(file).toBe("/etc/prometheus/prometheus.yml");
    const mount = mountOf(posix.dirname(file));
    expect(volume(mount.name).configMap.name).toBe("prometheus-config");
    expect(Object.keys(find("ConfigMap", "prometheus-config").data)).toEqual([posix.basename(file)]);
  });

  it("mounts the rules ConfigMap exactly where prometheus.yml's rule_files points", () => {
    const cfg = parse(find("ConfigMap", "prometheus-config").data["prometheus.yml"]) as Any;
    expect(cfg.rule_files).toEqual(["rules/ai-layer.yml"]);
    const rulesPath = posix.join(posix.dirname(arg("config.file")), cfg.rule_files[0]);
    const mount = mountOf(posix.dirname(rulesPath));
    expect(mount?.readOnly).toBe(true);
    expect(volume(mount.name).configMap.name).toBe("prometheus-rules");
    expect(find("ConfigMap", "prometheus-rules").data).toEqual({
      [posix.basename(rulesPath)]: files.alertRules,
    });
  });

  it("rolls when the rules change (checksum annotation)", () => {
    const checksum = (objs: KubeObject[]) =>
      (objs.find((o) => o.kind === "Deployment" && o.metadata.name === "prometheus") as Any).spec.template
        .metadata.annotations["ai-layer.dev/config-checksum"];
    const opts = { dcgm: false, devicePlugin: false };
    const other = monitoringManifests(ctx, plan, { ...files, alertRules: `${files.alertRules}#\n` }, opts);
    expect(checksum(other)).not.toBe(checksum(monitoringManifests(ctx, plan, files, opts)));
  });

  it("keeps the TSDB on an emptyDir for the configured retention", () => {
    expect(arg("storage.tsdb.path")).toBe("/prometheus");
    expect(arg("storage.tsdb.retention.time")).toBe(`${plan.monitoring.retentionDays}d`);
    expect(volume(mountOf("/prometheus").name).emptyDir).toBeDefined();
  });

  it("runs as nobody (65534), non-root, read-only root filesystem", () => {
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
  });

  it("has a namespaced Role to list/watch pods, services and endpoints, bound to its ServiceAccount", () => {
    const role = find("Role", "prometheus");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["pods", "services", "endpoints"], verbs: ["get", "list", "watch"] },
    ]);
    const binding = find("RoleBinding", "prometheus");
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "prometheus",
    });
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: spec.serviceAccountName, namespace: ctx.namespace },
    ]);
    find("ServiceAccount", spec.serviceAccountName);
    // Roles are namespaced, so discovery must stay in namespaces where one grants the ServiceAccount access:
    // the layer's, and the DCGM exporter's (a Role for pods there, bound to the same ServiceAccount).
    const dcgmNs = dcgmExporterNamespace(ctx.namespace);
    const dcgmBinding = all.find((o) => o.kind === "RoleBinding" && o.metadata.namespace === dcgmNs) as Any;
    expect(dcgmBinding.subjects).toEqual(binding.subjects);
    const dcgmRole = find("Role", dcgmBinding.roleRef.name);
    expect(dcgmRole.metadata.namespace).toBe(dcgmNs);
    expect(dcgmRole.rules).toEqual([
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
    ]);
    const cfg = parse(files.prometheusConfig) as Any;
    for (const j of cfg.scrape_configs.filter((x: Any) => x.kubernetes_sd_configs))
      expect(j.kubernetes_sd_configs[0].namespaces.names).toEqual([
        j.job_name === "dcgm" ? dcgmNs : ctx.namespace,
      ]);
  });

  it("is reachable at the planned address (Service prometheus:9090 selecting its pod)", () => {
    const svc = find("Service", "prometheus");
    expect(`${svc.metadata.name}.${ctx.namespace}.svc`).toBe(plan.services.prometheus.host);
    expect(svc.spec.ports[0].port).toBe(plan.services.prometheus.port);
    expect(find("Deployment", "prometheus").spec.template.metadata.labels).toMatchObject(svc.spec.selector);
  });

  it("rolls when prometheus.yml changes (checksum annotation)", () => {
    const other = monitoringManifests(
      ctx,
      plan,
      { ...files, prometheusConfig: `${files.prometheusConfig}#\n` },
      {
        dcgm: false,
        devicePlugin: false,
      },
    );
    const checksum = (objs: KubeObject[]) =>
      (objs.find((o) => o.kind === "Deployment" && o.metadata.name === "prometheus") as Any).spec.template
        .metadata.annotations["ai-layer.dev/config-checksum"];
    expect(checksum(other)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(other)).not.toBe(checksum(all));
  });
});

describe("Grafana", () => {
  const spec = podSpec("grafana");
  const c = container("grafana");
  const mountedConfigMap = (path: string) => {
    const m = c.volumeMounts.find((x: Any) => x.mountPath === path);
    return find("ConfigMap", spec.volumes.find((v: Any) => v.name === m.name).configMap.name);
  };

  it("mounts the dashboards where the provider reads them", () => {
    const provider = parse(
      mountedConfigMap("/etc/grafana/provisioning/dashboards").data["ai-layer.yaml"],
    ) as Any;
    const dashboards = mountedConfigMap(provider.providers[0].options.path);
    expect(Object.keys(dashboards.data).sort()).toEqual(["gateway.json", "gpu.json", "vllm.json"]);
    for (const json of Object.values(dashboards.data))
      expect(JSON.parse(json as string).uid).toMatch(/^ai-layer-/);
  });

  it("provisions the datasource pointing at the in-cluster Prometheus", () => {
    const ds = parse(mountedConfigMap("/etc/grafana/provisioning/datasources").data["ai-layer.yaml"]) as Any;
    expect(ds.datasources[0].url).toBe(
      `http://${plan.services.prometheus.host}:${plan.services.prometheus.port}`,
    );
  });

  it("takes the admin password from the layer Secret; sign-up and analytics off", () => {
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e]));
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toEqual({
      name: "GF_SECURITY_ADMIN_PASSWORD",
      valueFrom: { secretKeyRef: { name: LAYER_SECRET_NAME, key: GRAFANA_ADMIN_PASSWORD_SECRET_KEY } },
    });
    expect(plan.secrets.map((s) => s.configKey)).toContain(GRAFANA_ADMIN_PASSWORD_SECRET_KEY);
    expect(env.GF_USERS_ALLOW_SIGN_UP.value).toBe("false");
    expect(env.GF_ANALYTICS_REPORTING_ENABLED.value).toBe("false");
    expect(env.GF_ANALYTICS_CHECK_FOR_UPDATES.value).toBe("false");
  });

  it("serves on the planned port through Service grafana", () => {
    const svc = find("Service", "grafana");
    expect(svc.spec.ports[0].port).toBe(plan.services.grafana.port);
    expect(c.ports[0].containerPort).toBe(plan.services.grafana.port);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 472 });
  });
});

describe("secrets", () => {
  it("no Secret value or key material appears in any object", () => {
    const text = JSON.stringify(all);
    expect(text).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
    for (const w of workloads)
      for (const c of w.spec.template.spec.containers)
        for (const e of c.env ?? [])
          if (/PASSWORD|KEY|TOKEN/.test(e.name)) expect(e.value, e.name).toBeUndefined();
  });
});
