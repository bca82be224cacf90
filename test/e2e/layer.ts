import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { LayerSecretKey, Plan } from "../../components/plan";
import {
  describeGateway,
  GATEWAY_METRICS_KEY_FILE,
  PROMETHEUS_RULES_FILE,
  renderAlertRules,
  renderLiteLlmConfig,
  renderPrometheusConfig,
  renderRedisConf,
  type AlertRuleOptions,
  type GatewayEndpoints,
} from "../../components/render";
import { freePort, startProcess, stopAll, tempDir, waitFor, type Started } from "./processes";

export const ROOT = resolve(__dirname, "..", "..");
export const VENV = join(ROOT, ".venv-e2e");
export const LITELLM_BIN = join(VENV, "bin", "litellm");
export const VENV_PYTHON = join(VENV, "bin", "python");

/** Secret values by config key, as Pulumi would hand them to the containers. */
export type Secrets = Partial<Record<LayerSecretKey, string>>;

export const TEST_SECRETS = {
  gatewayMasterKey: "sk-e2e-master-0123456789abcdef0123456789abcdef0123",
  redisPassword: "e2e-redis-password-0123456789",
  vllmApiKey: "vllm-e2e-key-0123456789",
  remoteApiKey: "remote-e2e-key-0123456789",
  hfToken: "hf_e2e",
} as const satisfies Secrets;

/**
 * The environment the gateway container gets, with the secrets filled in: the master key, the Redis password when
 * the cache is on, the vLLM key when a model runs on vLLM, each remote/cloud model's key, LITELLM_MODE/LOG and
 * LITELLM_LOCAL_MODEL_COST_MAP=True (no cost-map download at start-up). Read from describeGateway, the one
 * description every target maps, so what runs here is what runs there.
 */
export function gatewayEnv(plan: Plan, secrets: Secrets): Record<string, string> {
  const env: Record<string, string> = {};
  // The gateway's service description: the env its container gets on every target (components/render/services.ts).
  for (const e of describeGateway(plan).env) {
    if ("value" in e) env[e.name] = e.value;
    else if ("secret" in e) {
      const value = secrets[e.secret];
      if (value === undefined) throw new Error(`gatewayEnv: secret ${e.secret} missing`);
      env[e.name] = value;
    } else throw new Error(`gatewayEnv: ${e.name} (${e.deployTime}) is known only at deploy time`);
  }
  return env;
}

export interface LayerOptions {
  readonly plan: Plan;
  readonly secrets?: Secrets;
  /** Model endpoints (Ollama, vLLM tracks); Redis is filled in here when the cache is on. */
  readonly endpoints: Omit<GatewayEndpoints, "redis">;
  /** Start Prometheus (and the Redis exporter) with the rendered prometheus.yml and rules. */
  readonly monitoring?: boolean;
  readonly alertRules?: AlertRuleOptions;
}

/** A running layer on loopback: its URLs, the rendered files' directory and a stop(). */
export interface RunningLayer {
  readonly dir: string;
  readonly gatewayUrl: string;
  readonly prometheusUrl?: string;
  readonly redis?: { readonly port: number; readonly password: string };
  readonly processes: Started[];
  /** Stops only the gateway (the GatewayDown alert test). */
  stopGateway(): Promise<void>;
  stop(): Promise<void>;
}

const httpOk = async (url: string, init?: RequestInit) => (await fetch(url, init)).ok;

/**
 * Renders the layer's files from the plan (through the renderers' own inputs) and starts the real Redis, LiteLLM
 * proxy, redis exporter and Prometheus on free loopback ports. On any start-up failure, whatever started is
 * stopped before the error is thrown.
 */
export async function startLayer(opts: LayerOptions): Promise<RunningLayer> {
  const { plan } = opts;
  const secrets: Secrets = opts.secrets ?? TEST_SECRETS;
  const dir = tempDir(plan.stack);
  const processes: Started[] = [];
  const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LANG: "C.UTF-8" };
  try {
    let redis: RunningLayer["redis"];
    if (plan.cache.enabled) {
      const port = await freePort();
      const conf = join(dir, "redis.conf");
      writeFileSync(conf, renderRedisConf(plan.cache, port));
      const password = secrets.redisPassword!;
      // As the container starts it (REDIS_START_SCRIPT): the rendered file, the password on the command line.
      // --bind keeps this test instance on loopback (the rendered file leaves binding to the network).
      const p = startProcess(
        "redis",
        "redis-server",
        [conf, "--requirepass", password, "--bind", "127.0.0.1", "--dir", dir],
        {
          dir,
          env: baseEnv,
        },
      );
      processes.push(p);
      await waitFor("redis", async () => (await import("./redis")).ping(port, password), {
        timeoutMs: 10_000,
        process: p,
      });
      redis = { port, password };
    }

    const gatewayPort = await freePort();
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      renderLiteLlmConfig(plan, {
        ...opts.endpoints,
        ...(redis ? { redis: { host: "127.0.0.1", port: redis.port } } : {}),
      }),
    );
    // As the container runs it (components/docker/gateway.ts): --config, --port, one worker. --host keeps it on
    // loopback (the image listens on 0.0.0.0).
    const gateway = startProcess(
      "litellm",
      LITELLM_BIN,
      ["--config", config, "--port", String(gatewayPort), "--host", "127.0.0.1", "--num_workers", "1"],
      { dir, env: { ...baseEnv, ...gatewayEnv(plan, secrets) } },
    );
    processes.push(gateway);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    // /health/liveliness answers without a key (runtime-facts.md §A7), as the container healthcheck uses it.
    await waitFor("litellm", () => httpOk(`${gatewayUrl}/health/liveliness`), {
      timeoutMs: 120_000,
      intervalMs: 500,
      process: gateway,
    });

    let prometheusUrl: string | undefined;
    if (opts.monitoring) {
      let exporterTarget: string | undefined;
      if (redis) {
        const exporterPort = await freePort();
        exporterTarget = `127.0.0.1:${exporterPort}`;
        // The env the exporter container gets (components/docker/cache.ts).
        const exporter = startProcess("redis-exporter", "prometheus-redis-exporter", [], {
          dir,
          env: {
            ...baseEnv,
            REDIS_ADDR: `redis://127.0.0.1:${redis.port}`,
            REDIS_PASSWORD: redis.password,
            REDIS_EXPORTER_WEB_LISTEN_ADDRESS: exporterTarget,
          },
        });
        processes.push(exporter);
        await waitFor("redis exporter", () => httpOk(`http://${exporterTarget}/metrics`), {
          timeoutMs: 10_000,
          process: exporter,
        });
      }
      const promPort = await freePort();
      const promDir = join(dir, "prometheus");
      mkdirSync(join(promDir, "rules"), { recursive: true });
      mkdirSync(join(promDir, "secrets"), { recursive: true });
      writeFileSync(
        join(promDir, "prometheus.yml"),
        renderPrometheusConfig(plan, {
          gateway: `127.0.0.1:${gatewayPort}`,
          ...(exporterTarget ? { redisExporter: exporterTarget } : {}),
          prometheus: `127.0.0.1:${promPort}`,
        }),
      );
      writeFileSync(join(promDir, PROMETHEUS_RULES_FILE), renderAlertRules(plan, opts.alertRules));
      // The credentials file prometheus.yml names, holding the master key (components/docker/monitoring.ts).
      writeFileSync(join(promDir, GATEWAY_METRICS_KEY_FILE), secrets.gatewayMasterKey!);
      const prom = startProcess(
        "prometheus",
        "prometheus",
        [
          `--config.file=${join(promDir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(promDir, "data")}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
        ],
        { dir: promDir, env: baseEnv },
      );
      processes.push(prom);
      prometheusUrl = `http://127.0.0.1:${promPort}`;
      await waitFor("prometheus", () => httpOk(`${prometheusUrl}/-/ready`), {
        timeoutMs: 30_000,
        process: prom,
      });
    }

    return {
      dir,
      gatewayUrl,
      prometheusUrl,
      redis,
      processes,
      stopGateway: () => gateway.stop(),
      stop: () => stopAll(processes, dir),
    };
  } catch (e) {
    await stopAll(processes);
    throw e;
  }
}
