// Two resources with one name must fail the offline plan on every target. An error thrown inside a mock's
// newResource is swallowed by the Pulumi SDK, so the runner records duplicates and fails after the program runs.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { LayerConfigError, parseLayerSpec } from "../components/spec";
import { runOffline } from "../bin/offline/run";
import { parseStackFile } from "../bin/offline/stackFile";
import { validateStackConfig } from "../bin/offline/validate";
import { deployLayer } from "../stacks/program";

const canaryCollision = (target: Record<string, unknown>) => ({
  target,
  models: [
    {
      name: "x",
      model: "llama-3.2-3b-instruct",
      gpu: { type: "L4" },
      canary: { weight: 10, revision: "abc123" },
    },
    { name: "x-canary", model: "llama-3.2-3b-instruct", gpu: { type: "L4" } },
  ],
});
const k8s = { kind: "kubernetes", context: "test" };
const ec2 = {
  kind: "aws-ec2",
  region: "us-east-1",
  tags: { owner: "a", environment: "b", "cost-center": "c" },
};
const stackConfig = (layer: unknown) =>
  parseStackFile(
    JSON.stringify({
      config: { "ai-layer:layer": layer, "ai-layer:hfToken": { secure: "v1:gated-models" } },
    }),
  );

describe("a model named <x>-canary beside a model x with a canary", () => {
  it.each([
    ["kubernetes", k8s],
    ["aws-ec2", ec2],
  ])("%s: the spec rejects it at the second model's name", (_kind, target) => {
    let error: unknown;
    try {
      parseLayerSpec(canaryCollision(target));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LayerConfigError);
    expect((error as LayerConfigError).problems).toEqual([
      {
        path: "layer.models[1].name",
        message: expect.stringContaining('"x-canary" is the name of the canary of layer.models[0]'),
      },
    ]);
  });

  it("kubernetes: the offline plan refuses it before the program runs (it planned two vLLM sets named x-canary)", () => {
    expect(() => validateStackConfig("dup-k8s", stackConfig(canaryCollision(k8s)))).toThrow(
      /layer\.models\[1\]\.name: "x-canary" is the name of the canary/,
    );
  });
});

/** A Docker volume the test registers itself (a type the offline mocks know). */
class Thing extends pulumi.CustomResource {
  constructor(name: string) {
    super("docker:index/volume:Volume", name, {});
  }
}

describe("the offline runner fails on duplicate resource names", () => {
  it("a program that registers two resources with one name fails after it runs, naming them", async () => {
    const layer = {
      target: { kind: "docker" },
      models: [{ name: "chat", model: "llama-3.2-3b-instruct" }],
    };
    const program = () => {
      const result = deployLayer();
      new Thing("same-name");
      new Thing("same-name");
      return result;
    };
    const run = runOffline("dup", stackConfig(layer), program);
    await expect(run).rejects.toThrow(LayerConfigError);
    await expect(run).rejects.toThrow(
      /resource same-name \(docker:index\/volume:Volume\): registered 2 times/,
    );
  });

  it("the same program without the duplicate plans", async () => {
    const layer = {
      target: { kind: "docker" },
      models: [{ name: "chat", model: "llama-3.2-3b-instruct" }],
    };
    const result = await runOffline("dup-ok", stackConfig(layer), () => {
      const r = deployLayer();
      new Thing("only-one");
      return r;
    });
    expect(result.resources.filter((r) => r.name === "only-one")).toHaveLength(1);
  });
});
