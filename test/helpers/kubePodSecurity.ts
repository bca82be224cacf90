import type { PodSecurityLevel } from "../../components/kubernetes/manifests/podSecurity";

/**
 * The Pod Security Standards' checks, as Pod Security Admission applies them to a pod template, written from the
 * standard (kubernetes/website content/en/docs/concepts/security/pod-security-standards.md, "Baseline" and
 * "Restricted" tables; the level's policies are cumulative). Returns the violations, as `control: detail`.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Capabilities Baseline lets a container add (the standard's "Capabilities" control). */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
/** Sysctls Baseline allows (the "Sysctls" control). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
/** Volume types Restricted allows (the "Volume Types" control). */
const RESTRICTED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

const containersOf = (pod: Json): Json[] => [
  ...(pod.initContainers ?? []),
  ...(pod.containers ?? []),
  ...(pod.ephemeralContainers ?? []),
];

/** Baseline violations of a pod spec. */
export function baselineViolations(pod: Json): string[] {
  const out: string[] = [];
  const containers = containersOf(pod);
  if (pod.securityContext?.windowsOptions?.hostProcess) out.push("HostProcess: pod");
  for (const ns of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[ns]) out.push(`Host Namespaces: ${ns}`);
  for (const v of pod.volumes ?? []) if (v.hostPath) out.push(`HostPath Volumes: ${v.name}`);
  for (const s of pod.securityContext?.sysctls ?? [])
    if (!SAFE_SYSCTLS.has(s.name)) out.push(`Sysctls: ${s.name}`);
  const podSeccomp = pod.securityContext?.seccompProfile?.type;
  if (podSeccomp === "Unconfined") out.push("Seccomp: pod Unconfined");
  const podApparmor = pod.securityContext?.appArmorProfile?.type;
  if (podApparmor === "Unconfined") out.push("AppArmor: pod Unconfined");
  const podSelinux = pod.securityContext?.seLinuxOptions;
  if (podSelinux?.user || podSelinux?.role) out.push("SELinux: pod user/role");
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`Privileged Containers: ${c.name}`);
    if (sc.windowsOptions?.hostProcess) out.push(`HostProcess: ${c.name}`);
    for (const cap of sc.capabilities?.add ?? [])
      if (!BASELINE_CAPABILITIES.has(cap)) out.push(`Capabilities: ${c.name} adds ${cap}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`Host Ports: ${c.name} ${p.hostPort}`);
    if (sc.seccompProfile?.type === "Unconfined") out.push(`Seccomp: ${c.name} Unconfined`);
    if (sc.appArmorProfile?.type === "Unconfined") out.push(`AppArmor: ${c.name} Unconfined`);
    if (sc.seLinuxOptions?.user || sc.seLinuxOptions?.role) out.push(`SELinux: ${c.name} user/role`);
    if (sc.procMount && sc.procMount !== "Default") out.push(`/proc Mount Type: ${c.name}`);
  }
  return out;
}

/** Restricted violations of a pod spec (Baseline's included). */
export function restrictedViolations(pod: Json): string[] {
  const out = baselineViolations(pod);
  const psc = pod.securityContext ?? {};
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== "name")!;
    if (!RESTRICTED_VOLUMES.has(type)) out.push(`Volume Types: ${v.name} is ${type}`);
  }
  if (psc.runAsUser === 0) out.push("Running as Non-root user: pod runAsUser 0");
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`Privilege Escalation: ${c.name}`);
    // runAsNonRoot: true on the container, or on the pod and not overridden to false.
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) out.push(`Running as Non-root: ${c.name}`);
    if (sc.runAsUser === 0) out.push(`Running as Non-root user: ${c.name} runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") out.push(`Seccomp: ${c.name} ${seccomp}`);
    const caps = sc.capabilities ?? {};
    if (!(caps.drop ?? []).includes("ALL")) out.push(`Capabilities: ${c.name} does not drop ALL`);
    for (const cap of caps.add ?? [])
      if (cap !== "NET_BIND_SERVICE") out.push(`Capabilities: ${c.name} adds ${cap}`);
  }
  return out;
}

/** The strictest level a pod spec meets. */
export function podSecurityLevel(pod: Json): PodSecurityLevel {
  if (restrictedViolations(pod).length === 0) return "restricted";
  return baselineViolations(pod).length === 0 ? "baseline" : "privileged";
}

/** The strictest level every pod of a list meets. */
export function strictestLevel(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  const order: PodSecurityLevel[] = ["privileged", "baseline", "restricted"];
  return order[Math.min(...levels.map((l) => order.indexOf(l)))]!;
}
