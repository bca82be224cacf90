import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../../components/plan";
import type { RenderedFile } from "../../components/render";
import { LayerConfigError } from "../../components/spec";
import type { deployLayer, LayerOutputs } from "../../stacks/program";
import { mockCall, mockOutputs } from "./mockOutputs";
import type { StackConfig } from "./stackFile";

/** One registered resource, as written to resources.json. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  /** Logical name of the parent resource, or null for the stack's direct children. */
  readonly parent: string | null;
  readonly inputs: unknown;
}

export interface OfflineResult {
  readonly plan: Plan;
  readonly resources: PlannedResource[];
  readonly files: readonly RenderedFile[];
  /** Stack outputs as the engine would record them, secrets masked. */
  readonly outputs: Record<string, unknown>;
}

/** Marker the SDK puts on secret values it serializes (sdk/nodejs/runtime/rpc.ts specialSigKey). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_MASK = "[secret]";

/** Replaces every secret value with "[secret]" and sorts object keys so output bytes are stable. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object") {
    if (SECRET_SIG in value) return SECRET_MASK;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, maskSecrets((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * Two or more resources registered with one type and name: the engine would refuse the second at `up`. A
 * LayerConfigError (exit 1), listing each name and how often it was registered.
 */
export class DuplicateResourceError extends LayerConfigError {
  constructor(duplicates: ReadonlyMap<string, number>) {
    super(
      [...duplicates].map(([key, count]) => {
        const [type, name] = key.split("::");
        return {
          path: `resource ${name} (${type})`,
          message: `registered ${count} times; every resource needs its own name (rename the model or component that produces it)`,
        };
      }),
      "Offline plan: resources share a name",
    );
    this.name = "DuplicateResourceError";
  }
}

/**
 * Runs the real program (stacks/program.ts, the same code `pulumi up` runs) on Pulumi's mock runtime and
 * records every resource in registration order. Needs no CLI, engine, Docker or credentials.
 */
export async function runOffline(
  stack: string,
  config: StackConfig,
  /** The program to run; the real one unless a test passes its own. */
  program?: typeof deployLayer,
): Promise<OfflineResult> {
  const order: { key: string; type: string; name: string; parent: string | null }[] = [];
  const inputs = new Map<string, unknown>();
  const registrations = new Map<string, number>();
  const keyOf = (type: string, name: string) => `${type}::${name}`;

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // Pulumi swallows errors thrown here, so duplicates are counted and reported after the program ran.
        const key = keyOf(args.type, args.name);
        registrations.set(key, (registrations.get(key) ?? 0) + 1);
        if (inputs.has(key)) return mockOutputs(args);
        inputs.set(key, args.inputs);
        return mockOutputs(args);
      },
      call: mockCall,
    },
    "ai-layer",
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  let deployed: { plan: Plan; files: readonly RenderedFile[]; outputs: LayerOutputs } | undefined;
  const deploy = program ?? (await import("../../stacks/program")).deployLayer;
  await pulumi.runtime.runInPulumiStack(async () => {
    // Legacy stack transformations run SDK-side, so they see every registration (with its parent) under mocks.
    pulumi.runtime.registerStackTransformation((a) => {
      order.push({
        key: keyOf(a.type, a.name),
        type: a.type,
        name: a.name,
        parent: a.opts.parent ? pulumi.resourceName(a.opts.parent) : null,
      });
      return undefined;
    });
    const result = deploy();
    deployed = { plan: result.plan, files: result.layer.files, outputs: result.outputs };
    return result.outputs;
  });
  const outputs = maskSecrets(await revealOutputs({ ...deployed!.outputs })) as Record<string, unknown>;
  await pulumi.runtime.disconnect();
  // Counted from both hooks: a registration the transformation saw but newResource did not (or vice versa).
  for (const { key } of order) if (!registrations.has(key)) registrations.set(key, 1);
  const seen = new Map<string, number>();
  for (const { key } of order) seen.set(key, (seen.get(key) ?? 0) + 1);
  const duplicates = new Map(
    [...new Set([...registrations.keys(), ...seen.keys()])]
      .map((k) => [k, Math.max(registrations.get(k) ?? 0, seen.get(k) ?? 0)] as const)
      .filter(([, n]) => n > 1),
  );
  if (duplicates.size) throw new DuplicateResourceError(duplicates);

  const rootName = `ai-layer-${stack}`;
  const resources = order.map(({ key, type, name, parent }) => ({
    type,
    name,
    parent: parent === rootName ? null : parent,
    inputs: maskSecrets(inputs.get(key) ?? {}),
  }));
  return {
    plan: deployed!.plan,
    resources,
    files: deployed!.files,
    outputs,
  };
}

/** Resolves stack outputs, wrapping secret ones the way the engine's serializer marks them. */
async function revealOutputs(outputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs).map(async ([k, v]) => {
      const o: pulumi.Output<unknown> = pulumi.output(v as pulumi.Input<string>);
      const secret = await pulumi.isSecret(o);
      const value = await new Promise((resolve) => o.apply(resolve));
      return [k, secret ? { [SECRET_SIG]: true, value } : value] as const;
    }),
  );
  return Object.fromEntries(entries);
}
