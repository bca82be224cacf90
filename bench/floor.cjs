"use strict";
/**
 * The bare registration floor of the offline plan: plain precompiled JavaScript that loads @pulumi/pulumi, starts
 * the mock runtime, registers resources in one stack and disconnects, as bin/offline/run.ts does, with no
 * program, SDK, rendering, policy or file writing. bench/plan.ts times it beside the plan.
 *   node bench/floor.cjs <N>                  N resources with two small inputs each
 *   node bench/floor.cjs <resources.json>     the plan's own resources: same types, names, parents and inputs
 */
const { readFileSync } = require("node:fs");
const pulumi = require("@pulumi/pulumi");

/** The resources to register: [{ type, name, parent, inputs }]. */
function resources(arg) {
  if (/^\d+$/.test(arg))
    return Array.from({ length: Number(arg) }, (_, i) => ({
      type: "floor:index:Resource",
      name: `resource-${i}`,
      parent: null,
      inputs: { index: i, name: `resource-${i}` },
    }));
  return JSON.parse(readFileSync(arg, "utf8"));
}

async function main() {
  const list = resources(process.argv[2] ?? "0");
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    "ai-layer",
    "floor",
    false,
  );
  await pulumi.runtime.runInPulumiStack(async () => {
    const byName = new Map();
    for (const r of list) {
      const parent = r.parent ? byName.get(r.parent) : undefined;
      byName.set(r.name, new pulumi.CustomResource(r.type, r.name, r.inputs, { parent }));
    }
    return {};
  });
  await pulumi.runtime.disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
