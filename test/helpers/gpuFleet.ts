// The shipped gpu-fleet stack (aws-ec2) planned as the program plans it, optionally patched: the fixture of the
// aws-ec2 tests (fleet, control host, user data, service descriptions).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { plan, planFor, type PlanFor } from "../../components/plan";
import { parseLayerSpec } from "../../components/spec";

export const GPU_FLEET_STACK = "gpu-fleet";
export const GPU_FLEET_FILE = join(__dirname, "..", "..", "stacks", "Pulumi.gpu-fleet.yaml");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The gpu-fleet plan; `patch` edits a copy of its layer config first, `provided` are the secret keys set. */
export function gpuFleetPlan(
  patch: (layer: Json) => void = () => {},
  provided: readonly string[] = ["hfToken"],
): PlanFor<"aws-ec2"> {
  const layer = structuredClone(parse(readFileSync(GPU_FLEET_FILE, "utf8")).config["ai-layer:layer"]);
  patch(layer);
  return planFor(
    plan(parseLayerSpec(layer), { stack: GPU_FLEET_STACK, providedSecrets: new Set(provided) }),
    GPU_FLEET_STACK,
    "aws-ec2",
  );
}
