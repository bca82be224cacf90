import { z } from "zod";
import { LayerSchema } from "./schema";

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  pattern?: string;
};

interface Row {
  path: string;
  type: string;
  required: boolean;
  default: string;
  description: string;
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((e) => `\`${String(e)}\``).join(" \\| ");
  const base = Array.isArray(s.type) ? s.type.join("/") : (s.type ?? "any");
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : undefined);
  const range = lo !== undefined || s.maximum !== undefined ? ` ${lo ?? ""}–${s.maximum ?? ""}` : "";
  if (base === "array") return `list of ${s.items ? typeOf(s.items) : "any"}`;
  if (base === "object" && s.additionalProperties && typeof s.additionalProperties === "object")
    return `map of ${typeOf(s.additionalProperties)}`;
  return `${base}${range}`;
}

function walk(s: JsonSchema, path: string, required: boolean, rows: Row[]): void {
  for (const option of s.oneOf ?? s.anyOf ?? []) walk(option, path, required, rows);
  if (s.oneOf || s.anyOf) return;
  rows.push({
    path,
    type: typeOf(s),
    required,
    default: s.default === undefined || s.properties ? "" : `\`${JSON.stringify(s.default)}\``,
    description: s.description ?? "",
  });
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    walk(child, `${path}.${key}`, (s.required ?? []).includes(key), rows);
  }
  if (s.items)
    for (const [k, c] of Object.entries(s.items.properties ?? {}))
      walk(c, `${path}[].${k}`, (s.items.required ?? []).includes(k), rows);
  if (
    s.additionalProperties &&
    typeof s.additionalProperties === "object" &&
    s.additionalProperties.properties
  ) {
    for (const [k, c] of Object.entries(s.additionalProperties.properties)) {
      walk(c, `${path}.<id>.${k}`, (s.additionalProperties.required ?? []).includes(k), rows);
    }
  }
}

/** The config reference as a Markdown table, generated from the schema's descriptions and defaults. */
export function configReference(): string {
  const schema = z.toJSONSchema(LayerSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows: Row[] = [];
  walk(schema, "layer", true, rows);
  const seen = new Set<string>();
  const unique = rows.filter((r) => (seen.has(r.path) ? false : (seen.add(r.path), true)));
  const esc = (t: string) => t.replace(/\|/g, "\\|");
  return [
    "| key | type | required | default | meaning |",
    "|---|---|---|---|---|",
    ...unique.map(
      (r) =>
        `| \`${r.path}\` | ${r.type} | ${r.required && !r.default ? "yes" : ""} | ${esc(r.default)} | ${esc(r.description)} |`,
    ),
  ].join("\n");
}
