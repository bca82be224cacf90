import { crossCheck } from "./crossChecks";
import { formatPath, LayerConfigError, problemsFromZod, type ConfigProblem } from "./errors";
import { LayerSchema, type LayerSpec, type LayerSpecInput } from "./schema";
import type { TargetSpec } from "./targetSchema";

/** A parsed spec whose target is of kind K: what `parseLayerSpec` returns for a config typed in code. */
export type LayerSpecFor<K extends TargetSpec["kind"]> = Omit<LayerSpec, "target"> & {
  readonly target: Extract<TargetSpec, { kind: K }>;
};

/**
 * Parses the raw `ai-layer:layer` value into a LayerSpec with every default filled in. Throws one
 * LayerConfigError listing every problem (path and fix) — call it before creating any resource.
 */
export function parseLayerSpec<I extends LayerSpecInput>(raw: I): LayerSpecFor<I["target"]["kind"]>;
export function parseLayerSpec(raw: unknown): LayerSpec;
export function parseLayerSpec(raw: unknown): LayerSpec {
  if (raw === undefined || raw === null) {
    throw new LayerConfigError([
      {
        path: "layer",
        message: "is missing; set the config key ai-layer:layer in the stack file (see README)",
      },
    ]);
  }
  const result = LayerSchema.safeParse(raw);
  if (!result.success) throw new LayerConfigError(problemsFromZod(LayerSchema, result.error.issues, raw));
  const problems = [...protoKeyProblems(raw), ...crossCheck(result.data)];
  if (problems.length) throw new LayerConfigError(problems);
  return result.data;
}

/**
 * Own `__proto__` keys (JSON.parse makes them from `"__proto__": …`). zod's records drop them silently (assigning
 * `__proto__` sets the prototype), so `gateway.fallbacks.__proto__` would vanish instead of being reported; strict
 * objects already report them as unknown keys, so this only runs once the schema passed.
 */
function protoKeyProblems(raw: unknown, path: PropertyKey[] = []): ConfigProblem[] {
  if (raw === null || typeof raw !== "object") return [];
  const here: ConfigProblem[] = Object.hasOwn(raw, "__proto__")
    ? [{ path: formatPath([...path, "__proto__"]), message: "is not a valid name here; remove it" }]
    : [];
  return here.concat(
    Object.entries(raw).flatMap(([k, v]) =>
      protoKeyProblems(v, [...path, Array.isArray(raw) ? Number(k) : k]),
    ),
  );
}
