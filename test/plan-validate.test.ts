// The plan CLI's validation step, in-process: a stack file's text → parseStackFile → validateStackConfig, exactly
// what bin/plan.ts runs before it loads the program, over every invalid config of the shared table. The CLI then
// prints the error's message and exits 1; plan-cli.invalid.test.ts checks that end on a few configs.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { LayerConfigError } from "../components/spec";
import { parseStackFile } from "../bin/offline/stackFile";
import { validateStackConfig } from "../bin/offline/validate";
import { INVALID_CONFIGS, validLayer } from "./fixtures/invalidConfigs";

/** A Pulumi.<stack>.yaml text holding `layer` as the ai-layer:layer object. */
const stackFile = (layer: unknown, extra: Record<string, unknown> = {}) =>
  stringify({ config: { "ai-layer:layer": layer, ...extra } });

function validationError(text: string): LayerConfigError {
  try {
    validateStackConfig("bad", parseStackFile(text, "Pulumi.bad.yaml"));
  } catch (e) {
    if (e instanceof LayerConfigError) return e;
    throw new Error(`expected a LayerConfigError, got ${String(e)}`);
  }
  throw new Error("expected the config to be rejected");
}

describe("the plan CLI's validation of a stack file", () => {
  it("accepts the valid base config and returns its plan", () => {
    const plan = validateStackConfig("ok", parseStackFile(stackFile(validLayer())));
    expect(plan.models.map((m) => m.name)).toEqual(["chat", "embed"]);
  });

  it.each(INVALID_CONFIGS)("$name: the message the CLI prints names $path", (c) => {
    const error = validationError(stackFile(c.config));
    expect(error.problems.map((p) => p.path)).toEqual([c.path]);
    expect(error.message).toContain(`  - ${c.path}: `);
    expect(error.message).toContain(c.message);
  });

  it("a layer that is not an object, a missing layer, and one that does not fit its host", () => {
    expect(validationError(stackFile("hello")).message).toContain(
      'layer: expected an object, got the string "hello"',
    );
    expect(validationError("config: {}\n").problems.map((p) => p.path)).toEqual(["layer"]);
    const tooBig = {
      target: { kind: "docker", gpu: { type: "L4" }, hostMemoryGiB: 16 },
      models: [{ name: "big", model: "llama-3.1-70b-instruct" }],
    };
    const fit = validationError(stackFile(tooBig));
    expect(fit.problems.map((p) => p.path)).toEqual(["layer.models[0].model"]);
    expect(fit.message).toContain("Fixes:");
  });

  it("a secret key the stack file sets, even as a secure: value, counts as provided", () => {
    const layer = {
      ...validLayer(),
      models: [
        ...validLayer().models,
        { name: "overflow", remote: { provider: "openai", model: "gpt-4o-mini" } },
      ],
    };
    expect(validationError(stackFile(layer)).message).toContain(
      "layer.models[2].remote: needs the secret ai-layer:openaiApiKey",
    );
    const plan = validateStackConfig(
      "ok",
      parseStackFile(stackFile(layer, { "ai-layer:openaiApiKey": { secure: "v1:abc" } })),
    );
    expect(plan.secrets.map((s) => s.configKey)).toContain("openaiApiKey");
  });
});
