// Conventions every container on a Docker host shares (the docker target's and the aws-ec2 control host's), and
// the control host's mapping of a service description to `docker run` data.
import type { HostContainer } from "./controlHostUserData";
import type { ServiceDescription } from "./services";

/** Restart policy and bounded logs of every host container. */
export const HOST_CONTAINER_DEFAULTS = {
  restart: "unless-stopped",
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
} as const;

/** Labels that say who made a container; the pinned tag stays visible although the container runs an image id. */
export const hostContainerLabels = (stack: string, service: ServiceDescription) => ({
  "ai-layer.stack": stack,
  "ai-layer.service": service.id,
  "ai-layer.image": service.image,
});

/** Named volumes on a host are `ai-layer-<role>`, kept across container re-creation. */
export const hostVolumeName = (role: string) => `ai-layer-${role}`;

export interface HostContainerOptions {
  readonly stack: string;
  /** SSM Parameter Store name of each layer secret, by config key: the boot script reads them. */
  readonly secretParameters: Readonly<Record<string, string>>;
  /** Values of the env vars known only at deploy time (load balancer URLs, the ElastiCache host). */
  readonly deployTimeEnv: Readonly<Record<string, string>>;
  /** Host addresses the client (gateway) and operator (Prometheus, Grafana) ports are published on. */
  readonly publish: { readonly client: string; readonly operator: string };
}

/** One service as `docker run` data for renderControlHostUserData: files mounted read-only, secrets from SSM. */
export function hostContainer(service: ServiceDescription, opts: HostContainerOptions): HostContainer {
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  for (const e of service.env) {
    if ("value" in e) env[e.name] = e.value;
    else if ("secret" in e) {
      const parameter = opts.secretParameters[e.secret];
      if (!parameter) throw new Error(`hostContainer: no SSM parameter for the secret ${e.secret}`);
      secretEnv[e.name] = parameter;
    } else {
      const v = opts.deployTimeEnv[e.name];
      if (v === undefined) throw new Error(`hostContainer: no value for ${e.name} (${e.deployTime})`);
      env[e.name] = v;
    }
  }
  return {
    service: service.id,
    image: service.image,
    alias: service.address.host,
    ...HOST_CONTAINER_DEFAULTS,
    labels: hostContainerLabels(opts.stack, service),
    ...(service.memoryMb !== undefined ? { memoryMb: service.memoryMb } : {}),
    ...(service.entrypoint ? { entrypoint: service.entrypoint } : {}),
    ...(service.args ? { command: service.args } : {}),
    env,
    secretEnv,
    files: service.files.map((f) => ({ path: f.path, mountPath: f.mountPath })),
    volumes: service.volumes.map((v) => ({ name: hostVolumeName(v.name), mountPath: v.mountPath })),
    ...(service.publish
      ? {
          publish: {
            ip: opts.publish[service.publish.to],
            hostPort: service.publish.hostPort,
            containerPort: service.address.port,
          },
        }
      : {}),
  };
}
