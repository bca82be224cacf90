/**
 * Every default of the layer config, in one place. The schema reads these; the README's config reference
 * shows them. Change a default here and nowhere else.
 */
export const DEFAULTS = {
  /** Context window given to a model when the config sets none (tokens), capped at the model's maximum. */
  contextLength: 8192,
  target: {
    docker: {
      /** Host address the published ports bind to: loopback, so a dev box does not expose the layer. */
      bindAddress: "127.0.0.1",
      /** Host ports of the services users reach. */
      ports: { gateway: 4000, grafana: 3000, prometheus: 9090 },
      /** Host memory the containers may use for models that do not fit on a GPU, GiB. */
      hostMemoryGiB: 16,
      /** Cost of the Docker host, USD per hour (a laptop costs nothing extra). */
      costPerHourUsd: 0,
      /** How long Pulumi waits for Ollama to pull every model before giving up, seconds. */
      modelPullTimeoutSeconds: 3600,
      /**
       * The host's own Ollama (target.ollama.on: host). The gateway runs in a container, so it reaches the host by
       * Docker's host.docker.internal name (and so does the pull step, from a container on the same network). 11434 is Ollama's
       * default port (ollama envconfig: OLLAMA_HOST defaults to 127.0.0.1:11434).
       */
      hostOllama: {
        url: "http://host.docker.internal:11434",
        accelerator: "metal",
      },
    },
    aws: { vpcCidr: "10.40.0.0/16" },
    awsEks: {
      /**
       * Pinned EKS version (AL2023 NVIDIA AMIs; AL2 GPU AMIs end at 1.32): 1.35 is in standard support until
       * 2027-03-27 (components/catalog/eks.ts); 1.33 left it on 2026-07-29 and 1.34 on 2026-12-02.
       */
      kubernetesVersion: "1.35",
    },
    awsEc2: {
      /** The gateway, Redis and Prometheus/Grafana fit in 8 GiB at the default cache size. */
      controlHost: { instanceType: "m6i.large" as const, diskGiB: 50 },
      /** Weights are cached on the root volume: a 70B model at bf16 is ~140 GB before the image and logs. */
      gpuDiskGiB: 200,
      elasticache: { engine: "valkey" as const, nodeType: "cache.t4g.small" as const, replicas: 1 },
    },
    kubernetes: {
      namespace: "ai-layer",
      /** Where KEDA runs: the namespace its chart is installed in (kedacore/charts' docs use `keda`). */
      kedaNamespace: "keda",
      /** The one node label that carries the GPU type; node provisioning (aws target) sets the same key. */
      gpuNodeLabel: "ai-layer.dev/gpu",
    },
  },
  vllm: {
    /** Fraction of each GPU's memory vLLM may use (weights + activations + KV cache); vLLM's own default. */
    gpuMemoryUtilization: 0.9,
    replicas: { min: 1, max: 1 },
  },
  gateway: {
    routingStrategy: "simple-shuffle" as const,
    numRetries: 2,
    timeoutSeconds: 600,
    streamTimeoutSeconds: 120,
    allowedFails: 3,
    cooldownSeconds: 30,
    dropParams: true,
    replicas: { min: 1, max: 1 },
  },
  cache: { enabled: true, ttlSeconds: 600, maxMemoryMb: 256 },
  monitoring: {
    enabled: true,
    scrapeIntervalSeconds: 15,
    retentionDays: 15,
    /** Alert thresholds: what "slipping" means until a team sets its own. */
    slo: { p95LatencySeconds: 20, errorRatio: 0.05, waitingRequests: 10, kvCacheUsage: 0.95 },
  },
  budget: {
    /** What a breach of the monthly budget does to `plan`/`up`: fail stops them, warn reports it. */
    onExceed: "fail" as const,
    /** Share of the hour a GPU replica spends generating, for $ per 1M tokens. */
    assumedUtilization: 0.5,
    /**
     * A typical request, for the concurrency behind $ per 1M tokens: a chat turn with a 1024-token prompt and a
     * 256-token answer (the shape of the A100 sweep the throughput model is calibrated on, runtime-facts.md §G).
     */
    assumedRequestTokens: { prompt: 1024, output: 256 },
  },
} as const;

/** Hours in a month, for monthly cost figures (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
