import OpenAI from "openai";
import { isOllama, type Plan } from "../../components/plan";
import { dockerEndpoints } from "../../components/render";
import { startLayer, TEST_SECRETS, type LayerOptions, type RunningLayer } from "./layer";
import { ollamaStub } from "./stubs/ollama";
import type { StubServer } from "./stubs/stubServer";

/** An OpenAI client of a running gateway with the master key; no client-side retries (the gateway's are tested). */
export const gatewayClient = (layer: RunningLayer) =>
  new OpenAI({ baseURL: `${layer.gatewayUrl}/v1`, apiKey: TEST_SECRETS.gatewayMasterKey, maxRetries: 0 });

/** A dev-style layer on loopback and the Ollama stub behind it. */
export interface DevLayer {
  readonly ollama: StubServer;
  readonly layer: RunningLayer;
  readonly client: OpenAI;
  /** Stops the layer's processes, then the stub. */
  stop(): Promise<void>;
}

/** Starts a plan's layer with its Ollama models served by a stub that knows exactly their tags. */
export async function startDevLayer(
  plan: Plan,
  opts: Omit<LayerOptions, "plan" | "endpoints"> = {},
): Promise<DevLayer> {
  const ollama = await ollamaStub(plan.models.filter(isOllama).map((m) => m.ollamaTag)).start();
  let layer: RunningLayer;
  try {
    // The plan's own gateway endpoints (dockerEndpoints), with the stub where Ollama would be.
    const { redis: _redis, ...gateway } = dockerEndpoints(plan).gateway;
    layer = await startLayer({ plan, endpoints: { ...gateway, ollama: ollama.url }, ...opts });
  } catch (e) {
    await ollama.stop();
    throw e;
  }
  return {
    ollama,
    layer,
    client: gatewayClient(layer),
    stop: async () => {
      await layer.stop();
      await ollama.stop();
    },
  };
}
