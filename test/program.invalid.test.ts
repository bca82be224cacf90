import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LayerConfigError } from "../components/spec";
import { INVALID_CONFIGS, validLayer } from "./fixtures/invalidConfigs";

/** Every resource the program registers on the mock runtime. */
const records: pulumi.runtime.MockResourceArgs[] = [];
let deployLayer: typeof import("../stacks/program").deployLayer;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(a) {
        records.push(a);
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call() {
        throw new Error("no invoke");
      },
    },
    "ai-layer",
    "dev",
    false,
  );
  // Import the program only after setMocks (pulumi-practices.md §1.2).
  ({ deployLayer } = await import("../stacks/program"));
});

beforeEach(() => {
  records.length = 0;
});

const settle = () => new Promise((r) => setTimeout(r, 50));

/** Replaces the whole stack config with this layer value (JSON, as the engine passes objects). */
function setLayer(raw: unknown) {
  pulumi.runtime.setAllConfig(raw === undefined ? {} : { "ai-layer:layer": JSON.stringify(raw) }, []);
}

function deployError(raw: unknown): LayerConfigError {
  setLayer(raw);
  try {
    deployLayer();
  } catch (e) {
    if (e instanceof LayerConfigError) return e;
    throw new Error(`expected a LayerConfigError, got ${String(e)}`);
  }
  throw new Error("expected deployLayer() to throw, but it returned");
}

// Every invalid config of the shared table: each must fail in the program before any registration.
const CASES = INVALID_CONFIGS;

describe("deployLayer() on the mock runtime with a bad config", () => {
  it.each(CASES)("$name: throws LayerConfigError naming $path and registers nothing", async (c) => {
    const error = deployError(c.config);
    expect(error.problems.map((p) => p.path)).toEqual([c.path]);
    expect(error.problems[0]!.message).toContain(c.message);
    await settle();
    expect(records).toEqual([]);
  });

  it("a missing layer key throws and registers nothing", async () => {
    const error = deployError(undefined);
    expect(error.problems).toEqual([{ path: "layer", message: expect.stringContaining("ai-layer:layer") }]);
    await settle();
    expect(records).toEqual([]);
  });

  it("a layer that does not fit its host throws before any resource", async () => {
    const error = deployError({
      target: { kind: "docker", gpu: { type: "L4" }, hostMemoryGiB: 16 },
      models: [{ name: "big", model: "llama-3.1-70b-instruct" }],
    });
    expect(error.message).toContain("Fixes:");
    expect(error.problems.map((p) => p.path)).toEqual(["layer.models[0].model"]);
    await settle();
    expect(records).toEqual([]);
  });

  it("several problems at once come in one error, still with nothing registered", async () => {
    const error = deployError({ ...validLayer(), cache: { ttlSeconds: 0 }, gateway: { numRetries: 99 } });
    expect(error.problems.map((p) => p.path).sort()).toEqual([
      "layer.cache.ttlSeconds",
      "layer.gateway.numRetries",
    ]);
    await settle();
    expect(records).toEqual([]);
  });

  // Control: the recorder does see registrations, so the empty lists above mean something. Runs last.
  it("a valid config does register resources", async () => {
    setLayer(validLayer());
    const { layer, plan } = deployLayer();
    expect(plan.models.map((m) => m.name)).toEqual(["chat", "embed"]);
    await new Promise((r) => layer.component.urn.apply(r));
    await settle();
    expect(records.length).toBeGreaterThan(0);
    expect(records.some((r) => r.type.startsWith("docker:"))).toBe(true);
  });
});
