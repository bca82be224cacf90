import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** Deterministic hex from a seed (the resource's type and name), so two offline runs produce the same bytes. */
export function hex(seed: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
  return out.slice(0, length);
}

/** A UUID-shaped id from a seed (Kubernetes uids, EKS cluster and node-group ids). */
export const uuidFrom = (seed: string) =>
  hex(seed, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");

export type State = Record<string, unknown>;
export type OutputsFor = (
  args: pulumi.runtime.MockResourceArgs,
  seed: string,
) => { id: string; state: State };

/** The name a provider would give a resource that sets none: `<logical name>-<7 hex>`. */
export const autoname = (args: pulumi.runtime.MockResourceArgs, seed: string) =>
  (args.inputs.name as string | undefined) ?? `${args.name}-${hex(seed, 7)}`;
