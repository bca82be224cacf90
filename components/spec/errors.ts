import type { z } from "zod";

/** One problem in the layer config, located by its path (e.g. `layer.models[1].contextLength`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown when the config is invalid, before any resource exists. Its message lists every problem, one per line,
 * as `<path>: <message>`; no stack trace is useful to the reader, so the CLI prints only the message.
 */
export class LayerConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], heading = "Invalid ai-layer config") {
    super(
      `${heading} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n"),
    );
    this.name = "LayerConfigError";
    this.problems = problems;
  }
}

/** `["models", 1, "gpu"]` → `layer.models[1].gpu`. */
export function formatPath(path: readonly PropertyKey[], root = "layer"): string {
  let out = root;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && /^[A-Za-z_][\w-]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** Edit distance, for "did you mean" hints on typo'd keys and ids. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a small edit distance, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

type ZodInternal = { _zod: { def: Record<string, unknown> & { type: string } } };

/** The keys an object schema accepts at `path` (used to suggest the key a typo meant). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: ZodInternal[] = [schema as unknown as ZodInternal];
  const unwrap = (s: ZodInternal): ZodInternal[] => {
    const def = s._zod.def;
    switch (def.type) {
      case "default":
      case "optional":
      case "nullable":
      case "prefault":
      case "readonly":
        return unwrap(def.innerType as ZodInternal);
      case "pipe":
        return unwrap(def.in as ZodInternal);
      case "union":
        return (def.options as ZodInternal[]).flatMap(unwrap);
      default:
        return [s];
    }
  };
  for (const part of path) {
    current = current.flatMap(unwrap).flatMap((s): ZodInternal[] => {
      const def = s._zod.def;
      if (def.type === "object") {
        const child = (def.shape as Record<string, ZodInternal>)[String(part)];
        return child ? [child] : [];
      }
      if (def.type === "array") return [def.element as ZodInternal];
      if (def.type === "record") return [def.valueType as ZodInternal];
      return [];
    });
  }
  const keys = new Set<string>();
  for (const s of current.flatMap(unwrap)) {
    if (s._zod.def.type === "object") Object.keys(s._zod.def.shape as object).forEach((k) => keys.add(k));
  }
  return [...keys];
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  object: "an object",
  array: "a list",
  number: "a number",
  string: "a string",
  boolean: "true or false",
};

/** Turns zod issues into path-named problems a newcomer can act on. */
export function problemsFromZod(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path as PropertyKey[];
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = keysAt(schema, path);
        for (const key of issue.keys) {
          const guess = closest(key, allowed);
          problems.push({
            path: formatPath([...path, key]),
            message:
              `unknown key` +
              (guess ? `; did you mean "${guess}"?` : "") +
              (allowed.length ? `${guess ? "" : "."} Allowed here: ${allowed.join(", ")}` : ""),
          });
        }
        break;
      }
      case "invalid_type": {
        const got = valueAt(data, path);
        problems.push({
          path: formatPath(path),
          message:
            got === undefined
              ? "is required"
              : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describeType(got)}`,
        });
        break;
      }
      case "too_small":
        problems.push({
          path: formatPath(path),
          message:
            issue.origin === "array"
              ? issue.message && !issue.message.startsWith("Too small")
                ? issue.message
                : `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}`
              : issue.origin === "string"
                ? `must not be empty`
                : `must be ${issue.inclusive ? "≥" : ">"} ${issue.minimum} (got ${JSON.stringify(valueAt(data, path))})`,
        });
        break;
      case "too_big":
        problems.push({
          path: formatPath(path),
          message:
            issue.origin === "string"
              ? `must be at most ${issue.maximum} characters`
              : `must be ${issue.inclusive ? "≤" : "<"} ${issue.maximum} (got ${JSON.stringify(valueAt(data, path))})`,
        });
        break;
      case "invalid_value": {
        const got = valueAt(data, path);
        const options = issue.values.map((v) => JSON.stringify(v));
        const guess = typeof got === "string" ? closest(got, issue.values.map(String)) : undefined;
        problems.push({
          path: formatPath(path),
          message: `must be one of ${options.join(", ")} (got ${JSON.stringify(got)})${guess ? `; did you mean "${guess}"?` : ""}`,
        });
        break;
      }
      case "invalid_union": {
        const disc = (issue as { discriminator?: string; options?: unknown[] }).options;
        problems.push({
          path: formatPath(path),
          message: disc
            ? `must be one of ${disc.map((o) => JSON.stringify(o)).join(", ")} (got ${JSON.stringify(valueAt(data, path))})`
            : issue.message,
        });
        break;
      }
      case "invalid_format":
        problems.push({ path: formatPath(path), message: issue.message });
        break;
      case "not_multiple_of":
        problems.push({ path: formatPath(path), message: `must be a multiple of ${issue.divisor}` });
        break;
      default:
        problems.push({ path: formatPath(path), message: issue.message });
    }
  }
  return problems;
}
