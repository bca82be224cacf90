import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as scheduling from "kubernetes-models/scheduling.k8s.io/v1";
import * as storage from "kubernetes-models/storage.k8s.io/v1";
import * as core from "kubernetes-models/v1";
import { dirname, join } from "node:path";
import ts from "typescript";

/** A Kubernetes object as the manifest builders return it (apiVersion, kind, metadata.name at least). */
export interface AnyKubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

interface ModelClass {
  new (data: unknown): { validate(): void };
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * Model classes (generated from the official Kubernetes OpenAPI schemas, and KEDA's CRDs) by apiVersion, with
 * the module their TypeScript interfaces come from (for kubeTypeErrors).
 */
const GROUPS: Record<string, { readonly models: Record<string, unknown>; readonly types: string }> = {
  v1: { models: core, types: "kubernetes-models/v1" },
  "apps/v1": { models: apps, types: "kubernetes-models/apps/v1" },
  "autoscaling/v2": { models: autoscaling, types: "kubernetes-models/autoscaling/v2" },
  "networking.k8s.io/v1": { models: networking, types: "kubernetes-models/networking.k8s.io/v1" },
  "policy/v1": { models: policy, types: "kubernetes-models/policy/v1" },
  "rbac.authorization.k8s.io/v1": { models: rbac, types: "kubernetes-models/rbac.authorization.k8s.io/v1" },
  "scheduling.k8s.io/v1": { models: scheduling, types: "kubernetes-models/scheduling.k8s.io/v1" },
  "storage.k8s.io/v1": { models: storage, types: "kubernetes-models/storage.k8s.io/v1" },
  "keda.sh/v1alpha1": { models: keda, types: "@kubernetes-models/keda/keda.sh/v1alpha1" },
};

const describe = (o: AnyKubeObject) =>
  `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

/** The model class of an object's apiVersion + kind; throws for a kind this helper does not know. */
export function kubeModel(obj: AnyKubeObject): ModelClass {
  const candidate: unknown = GROUPS[obj.apiVersion]?.models[obj.kind];
  // Only top-level kinds: the class must carry the same apiVersion/kind statics (rules out e.g. `Container`).
  const statics = candidate as { apiVersion?: unknown; kind?: unknown } | undefined;
  if (
    typeof candidate !== "function" ||
    statics?.apiVersion !== obj.apiVersion ||
    statics?.kind !== obj.kind
  ) {
    throw new Error(
      `validateKubeObject: unknown kind ${obj.apiVersion} ${obj.kind} (add it to test/helpers/kubeSchema.ts)`,
    );
  }
  return candidate as ModelClass;
}

/**
 * Validates one object against its official JSON schema (kubernetes-models' ajv validators): required fields,
 * types, enums, quantity formats. Throws an error naming the object and every violation. Note: those schemas
 * allow unknown properties, so a misspelt field passes here; kubeTypeErrors catches those.
 */
export function validateKubeObject(obj: AnyKubeObject): void {
  const Model = kubeModel(obj);
  try {
    new Model(obj).validate();
  } catch (e) {
    throw new Error(`${describe(obj)}: ${(e as Error).message}`);
  }
}

const PROJECT_ROOT = join(__dirname, "..", "..");

/**
 * Type-checks objects against the models' TypeScript interfaces with the compiler (as object literals), which
 * rejects unknown or misspelt properties at any depth (excess property checks) as well as wrong types. Returns
 * one message per problem, prefixed with the object; empty when every object is well typed.
 */
export function kubeTypeErrors(objects: readonly AnyKubeObject[]): string[] {
  const imports = new Map<string, Set<string>>();
  const lines: string[] = [];
  objects.forEach((o, i) => {
    kubeModel(o); // unknown kinds throw here too
    const from = GROUPS[o.apiVersion]!.types;
    imports.set(from, (imports.get(from) ?? new Set()).add(`I${o.kind}`));
    lines.push(`export const o${i}: I${o.kind} = ${JSON.stringify(o)};`);
  });
  const header = [...imports].map(
    ([from, names]) => `import type { ${[...names].join(", ")} } from "${from}";`,
  );
  const fileName = join(PROJECT_ROOT, "test", "__kube_objects__.ts");
  const text = [...header, ...lines].join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === fileName ? text : readFile(f));
  host.fileExists = (
    (exists) => (f: string) =>
      f === fileName || exists(f)
  )(host.fileExists.bind(host));
  host.getSourceFile = (f, lang, ...rest) =>
    f === fileName ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, ...rest);
  host.getCurrentDirectory = () => dirname(fileName);
  const program = ts.createProgram([fileName], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName));
  return diagnostics.map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const index = line - header.length;
    const who = index >= 0 && index < objects.length ? describe(objects[index]!) : "header";
    return `${who}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}
