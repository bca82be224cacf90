import { findGpu, GPUS, MODELS } from "../catalog";
import type { ModelSpec } from "../catalog";
import { closest, formatPath, type ConfigProblem } from "./errors";
import type { LayerSpec } from "./schema";

/** Catalog entries the config adds (`layer.catalog.models`), as full ModelSpecs. */
export function extraModels(spec: Pick<LayerSpec, "catalog">): ModelSpec[] {
  return Object.entries(spec.catalog.models).map(([id, m]) => ({ id, ...m }));
}

/**
 * Rules that span fields: names unique, references resolve, context within the model, host ports distinct.
 * Runs after the schema passed, so every field has its type here.
 */
export function crossCheck(spec: LayerSpec): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path: formatPath(path), message });

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
    if (m.precision !== undefined && m.ollamaTag === undefined) {
      add(
        ["models", i, "precision"],
        "describes the weights of `ollamaTag`; set ollamaTag too, or remove precision",
      );
    }
  });

  const kindOf = (name: string) => {
    const entry = spec.models.find((m) => m.name === name);
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

  const target = spec.target;
  const seen = new Map<number, string>();
  for (const [service, p] of Object.entries(target.ports)) {
    const other = seen.get(p);
    if (other)
      add(
        ["target", "ports", service],
        `${p} is also the ${other} port; each service needs its own host port`,
      );
    else seen.set(p, service);
  }
  if (target.gpu) {
    if (target.gpu.type === undefined && target.gpu.memoryGiB === undefined) {
      add(
        ["target", "gpu"],
        `set type (one of ${GPUS.map((g) => g.id).join(", ")}) or memoryGiB for a GPU the catalog lacks`,
      );
    } else if (target.gpu.type !== undefined && !findGpu(target.gpu.type)) {
      const guess = closest(
        target.gpu.type,
        GPUS.map((g) => g.id),
      );
      add(
        ["target", "gpu", "type"],
        `unknown GPU "${target.gpu.type}"${guess ? `; did you mean "${guess}"?` : "."} Known: ${GPUS.map((g) => g.id).join(", ")}; or give memoryGiB instead`,
      );
    }
  }
  return problems;
}
