import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { LayerSecretKey } from "../plan";
import {
  HOST_CONTAINER_DEFAULTS,
  hostContainerLabels,
  type FileKey,
  type RenderedFile,
  type ServiceDescription,
} from "../render";

/** Options every component of the docker target takes. */
export interface DockerPlacement {
  /** Name of the Docker network the container joins (it is reachable there by its service alias). */
  readonly networkName: pulumi.Input<string>;
  /** Stack name, for labels. */
  readonly stack: string;
}

/** What a service container needs from the layer besides its description. */
export interface ServiceInputs extends DockerPlacement {
  /** The rendered files, by key (renderLayerFiles); each file the description mounts must be here. */
  readonly files: Partial<Record<FileKey, RenderedFile>>;
  /** The layer's secrets by config key; each secret the description reads must be here. Secret. */
  readonly secrets: Partial<Record<LayerSecretKey, pulumi.Input<string>>>;
  /** Values of env vars known only at deploy time (e.g. a GPU-cloud endpoint's URL), by name. */
  readonly deployTimeEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Host address published ports bind to (client and operator ports alike on a docker host). */
  readonly bindAddress: string;
}

/** A pinned image, pulled once and kept when the stack is destroyed (the next `up` reuses it). */
export function pinnedImage(name: string, ref: string, parent: pulumi.Resource): docker.RemoteImage {
  return new docker.RemoteImage(name, { name: ref, keepLocally: true }, { parent });
}

/** `NAME=value` for Docker's env list, keeping the value secret when it is one. */
export function envVar(name: string, value: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`${name}=${value}`;
}

/** The env list of a service: plain values as they are, secrets and deploy-time values as (secret) Outputs. */
export function serviceEnvs(service: ServiceDescription, inputs: ServiceInputs): pulumi.Input<string>[] {
  return service.env.map((e) => {
    if ("value" in e) return `${e.name}=${e.value}`;
    const v = "secret" in e ? inputs.secrets[e.secret] : inputs.deployTimeEnv?.[e.name];
    if (v === undefined)
      throw new Error(
        `${service.id}: no value for ${e.name} (${"secret" in e ? `secret ${e.secret}` : e.deployTime})`,
      );
    return envVar(e.name, v);
  });
}

/**
 * A service description as docker.Container arguments: the host conventions (restart, bounded logs, labels), its
 * network alias, memory limit, entrypoint and args, env, files uploaded where it reads them, published port, and a
 * health check the deploy waits on. `volumes` maps the description's volume roles to the Docker volumes created.
 */
export function serviceContainerArgs(
  service: ServiceDescription,
  inputs: ServiceInputs,
  image: pulumi.Input<string>,
  volumes: Readonly<Record<string, pulumi.Input<string>>> = {},
): docker.ContainerArgs {
  const h = service.health;
  return {
    ...HOST_CONTAINER_DEFAULTS,
    labels: Object.entries(hostContainerLabels(inputs.stack, service)).map(([label, value]) => ({
      label,
      value,
    })),
    networksAdvanced: [{ name: inputs.networkName, aliases: [service.address.host] }],
    ...(service.memoryMb !== undefined ? { memory: service.memoryMb } : {}),
    image,
    ...(service.entrypoint ? { entrypoints: [...service.entrypoint] } : {}),
    ...(service.args ? { command: [...service.args] } : {}),
    envs: serviceEnvs(service, inputs),
    ...(service.files.length
      ? {
          uploads: service.files.map((f) => {
            const file = inputs.files[f.key];
            if (!file) throw new Error(`${service.id}: the rendered file ${f.path} is missing`);
            return {
              file: f.mountPath,
              content: file.content,
              ...(f.executable ? { executable: true } : {}),
            };
          }),
        }
      : {}),
    ...(service.volumes.length
      ? {
          volumes: service.volumes.map((v) => ({ volumeName: volumes[v.name]!, containerPath: v.mountPath })),
        }
      : {}),
    ...(service.publish
      ? {
          ports: [
            { internal: service.address.port, external: service.publish.hostPort, ip: inputs.bindAddress },
          ],
        }
      : {}),
    ...(h
      ? {
          healthcheck: {
            tests: [...h.test],
            interval: `${h.intervalSeconds}s`,
            timeout: `${h.timeoutSeconds}s`,
            retries: h.retries,
            startPeriod: `${h.startPeriodSeconds}s`,
            ...(h.startIntervalSeconds !== undefined ? { startInterval: `${h.startIntervalSeconds}s` } : {}),
          },
          // `up` waits until the service is healthy, so what depends on it answers as soon as it exists.
          wait: true,
          waitTimeout: h.waitSeconds,
        }
      : {}),
    ...(service.gpus
      ? { deviceRequests: [{ driver: "nvidia", count: service.gpus, capabilities: ["gpu"] }] }
      : {}),
    ...(service.extraHosts?.length ? { hosts: service.extraHosts.map((e) => ({ ...e })) } : {}),
  };
}

/** One service's pinned image and container under `parent`: `<name>-image` and `<name>`. */
export function createServiceContainer(
  name: string,
  service: ServiceDescription,
  inputs: ServiceInputs,
  parent: pulumi.Resource,
  opts: {
    /** Creates the volumes the service mounts (after its image), returning their names by role. */
    readonly volumes?: () => Readonly<Record<string, pulumi.Input<string>>>;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Name of the image resource. Default `<name>-image`. */
    readonly imageName?: string;
  } = {},
) {
  const image = pinnedImage(opts.imageName ?? `${name}-image`, service.image, parent);
  const container = new docker.Container(
    name,
    serviceContainerArgs(service, inputs, image.imageId, opts.volumes?.()),
    { parent, ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}) },
  );
  return { image, container };
}

/** The description of `id` among a layer's services, or a plain error (a wiring bug, not a config mistake). */
export function serviceOf(
  services: readonly ServiceDescription[],
  id: ServiceDescription["id"],
): ServiceDescription {
  const s = services.find((d) => d.id === id);
  if (!s) throw new Error(`the plan describes no ${id} service`);
  return s;
}
