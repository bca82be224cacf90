import { MODELS } from "../catalog";
import type { ModelSpec } from "../catalog";
import { closest, formatPath, type ConfigProblem } from "./errors";
import type { LayerSpec } from "./schema";
import { targetChecks } from "./targetChecks";

/** Catalog entries the config adds (`layer.catalog.models`), as full ModelSpecs. */
export function extraModels(spec: Pick<LayerSpec, "catalog">): ModelSpec[] {
  return Object.entries(spec.catalog.models).map(([id, m]) => ({ id, ...m }));
}

export type AddProblem = (path: PropertyKey[], message: string) => void;

/**
 * Rules that span fields: names unique, references resolve, context within the model, fallbacks sane, and the
 * target's own rules (./targetChecks.ts). Runs after the schema passed, so every field has its type here.
 */
export function crossCheck(spec: LayerSpec): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add: AddProblem = (path, message) => problems.push({ path: formatPath(path), message });

  const extras = extraModels(spec);
  for (const id of Object.keys(spec.catalog.models)) {
    if (MODELS.some((m) => m.id === id)) {
      add(
        ["catalog", "models", id],
        `"${id}" is already in the built-in catalog; use it directly or pick another id`,
      );
    }
  }
  const known = [...extras, ...MODELS];

  const firstIndex = new Map<string, number>();
  spec.models.forEach((m, i) => {
    const earlier = firstIndex.get(m.name);
    if (earlier !== undefined) {
      add(
        ["models", i, "name"],
        `"${m.name}" is already used by ${formatPath(["models", earlier])}; model names must be unique`,
      );
    } else {
      firstIndex.set(m.name, i);
    }
    if (m.remote) {
      if (m.model !== undefined)
        add(["models", i, "model"], "set either model (self-hosted) or remote (a hosted API), not both");
      return;
    }
    if (m.model === undefined) {
      add(
        ["models", i, "model"],
        "is required: a catalog id such as llama-3.1-8b-instruct, or set remote for a hosted API",
      );
      return;
    }
    const catalogModel = known.find((k) => k.id === m.model);
    if (!catalogModel) {
      const guess = closest(
        m.model,
        known.map((k) => k.id),
      );
      add(
        ["models", i, "model"],
        `unknown model "${m.model}"` +
          (guess ? `; did you mean "${guess}"?` : ".") +
          ` Known: ${known.map((k) => k.id).join(", ")}. Describe other models under layer.catalog.models`,
      );
    } else if (m.contextLength !== undefined && m.contextLength > catalogModel.maxContext) {
      add(
        ["models", i, "contextLength"],
        `${m.contextLength} exceeds the ${catalogModel.maxContext} tokens ${catalogModel.id} supports; set ${catalogModel.maxContext} or less`,
      );
    }
  });

  // A canary runs as track `<name>-canary` (vLLM resources, Services and node groups are named by track id), so
  // a model of that name would collide with it on every self-hosted target.
  spec.models.forEach((m, i) => {
    const clash = m.canary && !m.remote && !m.backend ? firstIndex.get(`${m.name}-canary`) : undefined;
    if (clash !== undefined)
      add(
        ["models", clash, "name"],
        `"${m.name}-canary" is the name of the canary of ${formatPath(["models", i])} ("${m.name}"), whose resources ` +
          `are named by that track id; rename this model (e.g. "${m.name}-next")`,
      );
  });

  const kindOf = (name: string) => {
    const entry = spec.models.find((m) => m.name === name);
    if (entry?.remote) return "chat";
    return entry && known.find((k) => k.id === entry.model)?.kind;
  };
  for (const [from, targets] of Object.entries(spec.gateway.fallbacks)) {
    if (!firstIndex.has(from)) {
      add(
        ["gateway", "fallbacks", from],
        `no model named "${from}"; fallbacks are keyed by a name in layer.models`,
      );
      continue;
    }
    targets.forEach((to, j) => {
      if (to === from) add(["gateway", "fallbacks", from, j], `"${from}" cannot fall back to itself`);
      else if (!firstIndex.has(to)) {
        const guess = closest(to, [...firstIndex.keys()]);
        add(
          ["gateway", "fallbacks", from, j],
          `no model named "${to}"${guess ? `; did you mean "${guess}"?` : ""}`,
        );
      } else if (kindOf(from) && kindOf(to) && kindOf(from) !== kindOf(to)) {
        add(
          ["gateway", "fallbacks", from, j],
          `"${to}" is an ${kindOf(to)} model and "${from}" a ${kindOf(from)} model; a fallback must serve the same kind`,
        );
      }
    });
    const dup = targets.find((t, j) => targets.indexOf(t) !== j);
    if (dup) add(["gateway", "fallbacks", from], `lists "${dup}" twice`);
  }
  if (spec.gateway.replicas.min > spec.gateway.replicas.max) {
    add(
      ["gateway", "replicas", "min"],
      `${spec.gateway.replicas.min} is above max ${spec.gateway.replicas.max}`,
    );
  }

  targetChecks(spec, add);
  return problems;
}
