import type * as pulumi from "@pulumi/pulumi";
import { AWS_MOCK_CALLS, AWS_MOCK_OUTPUTS } from "./awsMockOutputs";
import { autoname, hex, uuidFrom, type OutputsFor, type State } from "./mockIds";

export { hex } from "./mockIds";

/**
 * Realistic outputs per resource type for the offline plan, so no dependent input silently disappears
 * (an output a mock does not return resolves to undefined and drops whatever used it; pulumi-practices.md §1.2).
 * Values are derived from the resource's type and name, so two runs produce the same bytes.
 */
const MOCK_OUTPUTS: Record<string, OutputsFor> = {
  // Explicit providers echo their inputs.
  ...Object.fromEntries(
    ["docker", "random", "kubernetes", "command", "aws"].map((pkg): [string, OutputsFor] => [
      `pulumi:providers:${pkg}`,
      (args, seed) => ({ id: hex(seed, 36), state: args.inputs }),
    ]),
  ),
  ...AWS_MOCK_OUTPUTS,
  // What the commands print: components/runpod/endpointCommand.ts prints the endpoint ids and base URL; modal deploy prints a log.
  "command:local:Command": (args, seed) => {
    const runpod = String(args.inputs.create ?? "").includes("endpointCommand.");
    const endpointId = hex(seed, 14);
    const stdout = runpod
      ? JSON.stringify({
          endpointId,
          apiBase: `https://api.runpod.ai/v2/${endpointId}/openai/v1`,
        })
      : "✓ App deployed!";
    return { id: hex(seed, 16), state: { ...args.inputs, stdout, stderr: "" } };
  },
  "kubernetes:helm.sh/v3:Release": (args, seed) => ({
    id: `${args.inputs.namespace}/${args.name}-${hex(seed, 7)}`,
    state: {
      ...args.inputs,
      name: `${args.name}-${hex(seed, 7)}`,
      status: {
        name: `${args.name}-${hex(seed, 7)}`,
        namespace: args.inputs.namespace,
        status: "deployed",
        version: 1,
        chart: args.inputs.chart,
        appVersion: args.inputs.version,
      },
    },
  }),
  "docker:index/network:Network": (args, seed) => ({
    id: hex(seed, 64),
    state: {
      ...args.inputs,
      name: autoname(args, seed),
      driver: args.inputs.driver ?? "bridge",
      scope: "local",
      ipamConfigs: [{ subnet: "172.28.0.0/16", gateway: "172.28.0.1" }],
    },
  }),
  "docker:index/volume:Volume": (args, seed) => {
    const name = autoname(args, seed);
    return {
      id: name,
      state: { ...args.inputs, name, driver: "local", mountpoint: `/var/lib/docker/volumes/${name}/_data` },
    };
  },
  "docker:index/remoteImage:RemoteImage": (args, seed) => {
    const imageId = `sha256:${hex(seed, 64)}`;
    const repo = String(args.inputs.name).replace(/:[^:/]+$/, "");
    return {
      id: `${imageId}${args.inputs.name}`,
      state: { ...args.inputs, imageId, repoDigest: `${repo}@sha256:${hex(`${seed}/digest`, 64)}` },
    };
  },
  "docker:index/container:Container": (args, seed) => {
    const id = hex(seed, 64);
    const octet = 2 + (parseInt(hex(seed, 2), 16) % 250);
    return {
      id,
      state: {
        ...args.inputs,
        name: autoname(args, seed),
        hostname: id.slice(0, 12),
        exitCode: null,
        networkData: [
          {
            networkName:
              (args.inputs.networksAdvanced as { name?: string }[] | undefined)?.[0]?.name ?? "bridge",
            ipAddress: `172.28.0.${octet}`,
            ipPrefixLength: 16,
            gateway: "172.28.0.1",
            macAddress: `02:42:ac:1c:00:${octet.toString(16).padStart(2, "0")}`,
          },
        ],
      },
    };
  },
  "random:index/randomPassword:RandomPassword": (args, seed) => {
    const length = Number(args.inputs.length ?? 32);
    return {
      id: "none",
      state: {
        ...args.inputs,
        result: `mockpw${hex(seed, length)}`.slice(0, length),
        bcryptHash: `$2a$10$${hex(`${seed}/bcrypt`, 53)}`,
      },
    };
  },
};

/** Any Kubernetes object: the API server echoes the object with a uid, and Services get a cluster IP. */
function kubernetesObject(args: pulumi.runtime.MockResourceArgs, seed: string): { id: string; state: State } {
  const metadata = (args.inputs.metadata ?? {}) as Record<string, unknown>;
  const name = (metadata.name as string | undefined) ?? `${args.name}-${hex(seed, 8)}`;
  const namespace = metadata.namespace as string | undefined;
  const uid = uuidFrom(seed);
  const state: State = {
    ...args.inputs,
    metadata: { ...metadata, name, uid, resourceVersion: "1", generation: 1 },
  };
  if (args.type === "kubernetes:core/v1:Service") {
    const octets = hex(seed, 4)
      .match(/../g)!
      .map((h) => parseInt(h, 16));
    const spec = (args.inputs.spec ?? {}) as Record<string, unknown>;
    state.spec = { ...spec, clusterIP: `10.96.${octets[0]}.${octets[1]}` };
    if (spec.type === "LoadBalancer")
      state.status = { loadBalancer: { ingress: [{ hostname: `a${hex(seed, 31)}.elb.amazonaws.com` }] } };
  }
  return { id: namespace ? `${namespace}/${name}` : name, state };
}

/** The mock for one registration; unknown custom types throw so a missing mock fails loudly. */
export function mockOutputs(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
  const seed = `${args.type}::${args.name}`;
  if (!args.custom && !args.type.startsWith("pulumi:providers:")) return { id: undefined, state: {} };
  const make =
    MOCK_OUTPUTS[args.type] ?? (args.type.startsWith("kubernetes:") ? kubernetesObject : undefined);
  if (!make)
    throw new Error(
      `offline plan: no mock outputs for resource type ${args.type} (${args.name}); add it to bin/offline/mockOutputs.ts`,
    );
  return make(args, seed);
}

/** Known invokes, in their output shape (camelCase); an unknown one must fail loudly. */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  const aws = AWS_MOCK_CALLS[args.token];
  if (aws) return aws(args);
  throw new Error(`offline plan: no mock for invoke ${args.token}; add it to bin/offline/mockOutputs.ts`);
}
