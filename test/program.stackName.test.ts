// The program refuses a stack name Kubernetes would refuse as the ai-layer.dev/stack label value, before any
// resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { expect, it } from "vitest";
import { recordNamesRefusingInvokes } from "./helpers/mockRuntime";
import { LayerConfigError } from "../components/spec";

it("deployLayer() on a stack named `-prod` throws a LayerConfigError at `stack` and registers nothing", async () => {
  const records = await recordNamesRefusingInvokes("-prod");
  pulumi.runtime.setAllConfig(
    {
      "ai-layer:layer": JSON.stringify({
        target: { kind: "docker" },
        models: [{ name: "chat", model: "llama-3.2-3b-instruct" }],
      }),
    },
    [],
  );
  const { deployLayer } = await import("../stacks/program");
  let error: unknown;
  try {
    deployLayer();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(LayerConfigError);
  expect((error as LayerConfigError).problems.map((p) => p.path)).toEqual(["stack"]);
  await new Promise((r) => setTimeout(r, 50));
  expect(records).toEqual([]);
});
