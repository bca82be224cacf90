// stacks/index.ts is what `pulumi up` loads: its exports are the stack outputs.
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { mockCall, mockOutputs } from "../bin/offline/mockOutputs";

describe("stacks/index.ts", () => {
  it("exports the layer outputs, with the master key as a secret", async () => {
    await pulumi.runtime.setMocks({ newResource: mockOutputs, call: mockCall }, "ai-layer", "dev", false);
    const dev = parse(readFileSync(join(__dirname, "..", "stacks", "Pulumi.dev.yaml"), "utf8"));
    pulumi.runtime.setAllConfig({ "ai-layer:layer": JSON.stringify(dev.config["ai-layer:layer"]) }, []);
    // `export =` under vitest's ESM interop arrives as the module's default export.
    const mod = (await import("../stacks/index")) as unknown as { default: Record<string, unknown> };
    const program = mod.default;
    expect(Object.keys(program).sort()).toEqual([
      "costByModel",
      "costPerHourMaxUsd",
      "costPerHourUsd",
      "costPerMonthMaxUsd",
      "costPerMonthUsd",
      "gatewayMasterKey",
      "gatewayUrl",
      "grafanaAdminPassword",
      "grafanaUrl",
      "models",
      "openaiBaseUrl",
      "prometheusUrl",
    ]);
    // Dev runs Ollama on the Docker host: the host is priced as a whole, no per-model GPU cost.
    expect(program.costByModel).toEqual({});
    expect(await pulumi.isSecret(program.gatewayMasterKey as pulumi.Output<string>)).toBe(true);
    const key = await new Promise<string>((r) =>
      (program.gatewayMasterKey as pulumi.Output<string>).apply(r),
    );
    expect(key).toMatch(/^sk-[A-Za-z0-9]{40}$/);
  });
});
