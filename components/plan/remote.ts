import { formatPath, type ConfigProblem, type ModelEntry } from "../spec";
import type { LayerSecretKey } from "./secrets";
import { secretEnvName } from "./secrets";
import type { RemoteModel } from "./types";

const KEY_FOR: Record<NonNullable<ModelEntry["remote"]>["provider"], LayerSecretKey> = {
  openai: "openaiApiKey",
  anthropic: "anthropicApiKey",
  "openai-compatible": "remoteApiKey",
};

/** A remote model, or a problem when its key is not in secret config (there is nothing to generate). */
export function planRemote(
  entry: ModelEntry,
  index: number,
  provided: ReadonlySet<string>,
  problems: ConfigProblem[],
): RemoteModel {
  const remote = entry.remote!;
  const configKey = KEY_FOR[remote.provider];
  if (!provided.has(configKey)) {
    problems.push({
      path: formatPath(["models", index, "remote"]),
      message: `needs the secret ai-layer:${configKey}; run: pulumi config set --secret ai-layer:${configKey} <key>`,
    });
  }
  return {
    name: entry.name,
    kind: "chat",
    runtime: "remote",
    provider: remote.provider,
    remoteModel: remote.model,
    ...(remote.apiBase ? { apiBase: remote.apiBase } : {}),
    apiKey: { configKey, env: secretEnvName(configKey) },
  };
}
