import { z } from "zod";
import { DEFAULTS } from "./defaults";

/** An http(s) URL without credentials, path or query: where an Ollama server answers. */
const ollamaUrl = (what: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: `must be a URL such as http://host.docker.internal:11434 (${what})`,
        });
        return;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:")
        ctx.addIssue({ code: "custom", message: `must start with http:// or https:// (${what})` });
      else if (url.pathname !== "/" || url.search || url.hash)
        ctx.addIssue({
          code: "custom",
          message: `must be the server's base URL, without a path (e.g. http://host.docker.internal:11434)`,
        });
      // The gateway and the pull run in containers, where loopback is the container itself.
      const host = url.hostname.replace(/^\[|\]$/g, "");
      if (host === "localhost" || host === "0.0.0.0" || host === "::1" || /^127\./.test(host))
        ctx.addIssue({
          code: "custom",
          message:
            "is read inside the gateway's container, where loopback is the container itself: use http://host.docker.internal:11434 (the default) or the host's address",
        });
      if (url.username || url.password)
        ctx.addIssue({
          code: "custom",
          message:
            "must not hold credentials (user@ or user:password@): Ollama has no login, and the URL is kept in clear",
        });
    })
    .describe(what);

const ContainerOllamaSchema = z
  .strictObject({
    on: z.literal("container").describe("Run Ollama in a container beside the gateway (the default)"),
  })
  .describe("Ollama in a container of the layer; GPUs from layer.target.gpu");

const HostOllamaSchema = z
  .strictObject({
    on: z
      .literal("host")
      .describe("Use the Ollama already running on the Docker host (the native app: Metal on a Mac)"),
    url: ollamaUrl(
      `Where the gateway container (and the pull step, a container on the same network) reaches the host's Ollama. Default ${DEFAULTS.target.docker.hostOllama.url} ` +
        "(Docker maps host.docker.internal to the host: built into Docker Desktop, a host-gateway entry on Linux)",
    ).optional(),
    accelerator: z
      .enum(["metal", "cuda", "cpu"])
      .default(DEFAULTS.target.docker.hostOllama.accelerator)
      .describe(
        `What runs the models: metal (Apple Silicon), cuda (an NVIDIA GPU) or cpu. Default ${DEFAULTS.target.docker.hostOllama.accelerator}`,
      ),
    memoryGiB: z
      .number()
      .positive()
      .max(4096)
      .describe(
        "Memory the host's Ollama can give models, GiB. Apple Silicon: the GPU share of unified memory that Metal " +
          "reports (Ollama reads recommendedMaxWorkingSetSize, discover/gpu_info_darwin.m; its server log prints it at " +
          'start: msg="inference compute" library=Metal … total="…"), ' +
          "below the Mac's RAM; cuda: the GPU's memory; cpu: the RAM you give it",
      ),
  })
  .describe("The host's own Ollama: no Ollama container; the gateway calls it, `up` pulls through its API");

export const OllamaPlacementSchema = z
  .discriminatedUnion("on", [ContainerOllamaSchema, HostOllamaSchema])
  .default({ on: "container" })
  .describe(
    "Where Ollama runs: in a container (default) or the host's own Ollama (`{ on: host, memoryGiB }`)",
  );

export type OllamaPlacement = z.output<typeof OllamaPlacementSchema>;
export type HostOllama = Extract<OllamaPlacement, { on: "host" }>;
