// The public API's promises, checked on the source: every component is `ai-layer:index:<Class>` and exported from
// the package entry, and every property of every component's Args (and what Args extend) has a JSDoc.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as api from "../components";

const ROOT = join(__dirname, "..");
const COMPONENTS = join(ROOT, "components");

function sourceFiles(dir: string): ts.SourceFile[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name))
    .map((f) => ts.createSourceFile(f, readFileSync(f, "utf8"), ts.ScriptTarget.ES2022, true));
}

const files = sourceFiles(COMPONENTS);
const where = (node: ts.Node) => {
  const sf = node.getSourceFile();
  return `${relative(ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
};
const hasJsDoc = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).length > 0;

/** Component classes: `class X extends pulumi.ComponentResource`, with the type token passed to super. */
const components = files.flatMap((sf) =>
  sf.statements.filter(ts.isClassDeclaration).flatMap((c) => {
    const base = c.heritageClauses?.[0]?.types[0]?.expression.getText(sf);
    if (base !== "pulumi.ComponentResource" || !c.name) return [];
    let token: string | undefined;
    c.forEachChild(function visit(n): void {
      if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.SuperKeyword) {
        const first = n.arguments[0];
        token = first && ts.isStringLiteral(first) ? first.text : first?.getText(sf);
      } else n.forEachChild(visit);
    });
    return [{ name: c.name.text, token, at: where(c), exported: !!ts.getCombinedModifierFlags(c) }];
  }),
);

/** Interfaces by name, to follow `extends`. */
const interfaces = new Map(
  files.flatMap((sf) =>
    sf.statements.filter(ts.isInterfaceDeclaration).map((i) => [i.name.text, i] as const),
  ),
);

/** Every property of an interface and of the interfaces it extends (by name, within components/). */
function properties(i: ts.InterfaceDeclaration, seen = new Set<string>()): ts.PropertySignature[] {
  if (seen.has(i.name.text)) return [];
  seen.add(i.name.text);
  const own = i.members.filter(ts.isPropertySignature);
  const inherited = (i.heritageClauses ?? [])
    .flatMap((h) => h.types.map((t) => t.expression.getText()))
    .map((n) => interfaces.get(n))
    .filter((x): x is ts.InterfaceDeclaration => !!x)
    .flatMap((x) => properties(x, seen));
  return [...own, ...inherited];
}

describe("public components", () => {
  it("finds the components the issue names (layer, gateway, cache, monitoring, vLLM, Ollama, node group, fleet)", () => {
    expect(components.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "DockerLayer",
        "KubernetesLayer",
        "AwsEc2Layer",
        "LiteLlmGateway",
        "RedisCache",
        "Monitoring",
        "VllmModelServer",
        "OllamaServer",
        "AwsGpuNodeGroup",
        "AwsGpuFleet",
        "AwsEksCluster",
      ]),
    );
  });

  it("each has the type token ai-layer:index:<Class> and is exported from the package entry", () => {
    for (const c of components) {
      expect(c.token, c.at).toBe(`ai-layer:index:${c.name}`);
      expect(
        typeof (api as Record<string, unknown>)[c.name],
        `${c.name} exported from components/index.ts`,
      ).toBe("function");
    }
  });

  it("every property of every exported *Args interface (and what it extends) has a JSDoc", () => {
    const args = [...interfaces.values()].filter(
      (i) => /Args$/.test(i.name.text) && ts.getCombinedModifierFlags(i) & ts.ModifierFlags.Export,
    );
    expect(args.length).toBeGreaterThanOrEqual(components.length - 2);
    const missing = args.flatMap((i) =>
      properties(i)
        .filter((p) => !hasJsDoc(p))
        .map((p) => `${i.name.text}.${p.name.getText()} (${where(p)})`),
    );
    expect(missing).toEqual([]);
  });

  it("the check above catches a property without a JSDoc", () => {
    const sf = ts.createSourceFile(
      "x.ts",
      "export interface XArgs {\n  /** Documented. */\n  readonly a: string;\n  readonly b: number;\n}",
      ts.ScriptTarget.ES2022,
      true,
    );
    const i = sf.statements.find(ts.isInterfaceDeclaration)!;
    expect(i.members.filter(ts.isPropertySignature).map((p) => hasJsDoc(p))).toEqual([true, false]);
  });
});
