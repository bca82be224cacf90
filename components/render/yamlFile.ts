import { stringify } from "yaml";

/** YAML with a header comment, stable key order as given, no line folding (long PromQL stays on one line). */
export function yamlFile(header: string, value: unknown): string {
  const body = stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
  return `${header
    .split("\n")
    .map((l) => `# ${l}`.trimEnd())
    .join("\n")}\n${body}`;
}

/** A file the layer deploys, as data: its path under `files/` and its text. */
export interface RenderedFile {
  /** Relative path, e.g. `litellm/config.yaml`. */
  readonly path: string;
  readonly content: string;
}
