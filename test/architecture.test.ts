// The house's arrows (ARCHITECTURE.md): spec → plan → render → components, one way. Read from the import lines of
// components/, folder by folder, so a new arrow the wrong way (plan → render, aws → docker) or a circle fails here.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "components");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** components/<folder>/… → folder; a file directly in components/ → its name without .ts. */
const folderOf = (file: string) => relative(ROOT, file).split("/")[0]!.replace(/\.ts$/, "");

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of tsFiles(ROOT)) {
    const from = folderOf(file);
    for (const m of readFileSync(file, "utf8").matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
      const to = folderOf(normalize(join(dirname(file), m[1]!)));
      if (to !== from) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return graph;
}

const graph = folderGraph();
const importsOf = (folder: string) => [...(graph.get(folder) ?? [])].sort();

describe("the import graph of components/", () => {
  it("the pure core imports no Pulumi layer: spec → catalog; plan → spec, catalog; render → plan, spec, catalog", () => {
    expect(importsOf("catalog")).toEqual([]);
    expect(importsOf("spec")).toEqual(["catalog"]);
    expect(importsOf("plan")).toEqual(["catalog", "spec"]);
    for (const to of importsOf("render")) expect(["catalog", "plan", "spec"]).toContain(to);
  });

  it("targets do not import each other's components: aws/ never imports docker/, docker/ never aws/", () => {
    expect(importsOf("aws")).not.toContain("docker");
    expect(importsOf("docker")).not.toContain("aws");
    expect(importsOf("kubernetes")).not.toContain("docker");
    expect(importsOf("kubernetes")).not.toContain("aws");
  });

  it("has no circle between folders", () => {
    const circles: string[] = [];
    const walk = (node: string, path: string[]) => {
      for (const next of graph.get(node) ?? []) {
        if (path.includes(next)) circles.push([...path.slice(path.indexOf(next)), next].join(" → "));
        else walk(next, [...path, next]);
      }
    };
    for (const node of graph.keys()) walk(node, [node]);
    expect(circles).toEqual([]);
  });

  it("negative control: the reader sees a known arrow (aws → render)", () => {
    expect(importsOf("aws")).toContain("render");
    expect(importsOf("index")).toContain("layers");
  });
});
