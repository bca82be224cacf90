import { describe, expect, it } from "vitest";
import { REDIS_START_SCRIPT } from "../components/render";
import { prometheusStartScript } from "../components/render";
import type { OllamaModel } from "../components/plan";
import { parseLayerSpec } from "../components/spec";
import { renderOllamaPullScript } from "../components/render";
import { ollamaPullCommandLine } from "../components/docker/ollamaModels";
import {
  devLayerRaw,
  itRequiresToolInCi,
  ollamaModels,
  planOf,
  requireTool,
  run,
  toolTitle,
} from "./helpers/tools";

const INSTALL = "apt-get install shellcheck";
const has = requireTool("shellcheck");

/** shellcheck as /bin/sh (POSIX), script on stdin; every severity counts. */
const shellcheck = (script: string) => run("shellcheck", ["-s", "sh", "-"], { input: script });

/** The dev layer with its models replaced. */
function modelsOf(models: unknown[]): OllamaModel[] {
  return ollamaModels(planOf({ ...devLayerRaw(), models, gateway: {} }));
}

/** The dev layer's models. */
const devModels = () => ollamaModels(planOf(devLayerRaw()));

const ODD_TAG = "library/foo:1.0-q4_K_M";
const oddModels = () => modelsOf([{ name: "odd", model: "llama-3.2-3b-instruct", ollamaTag: ODD_TAG }]);
// The schema rejects an apostrophe (see below); the renderer still quotes one safely if a tag ever has it.
const APOSTROPHE_TAG = "it's:a-tag";

const scripts: [string, () => string][] = [
  ["Ollama pull command line", () => `#!/bin/sh\n${ollamaPullCommandLine()}\n`],
  [
    "Ollama pull command line (host Ollama)",
    () => `#!/bin/sh\n${ollamaPullCommandLine([{ host: "host.docker.internal", ip: "host-gateway" }])}\n`,
  ],
  ["Redis start script", () => `#!/bin/sh\n${REDIS_START_SCRIPT}\n`],
  ["Prometheus start script", () => `#!/bin/sh\n${prometheusStartScript(15, 9090)}\n`],
];

itRequiresToolInCi("shellcheck", INSTALL);

describe.skipIf(!has)(
  toolTitle("shellcheck -s sh on the rendered scripts", "shellcheck", has, INSTALL),
  () => {
    it.each(scripts)("%s passes", (_name, script) => {
      const r = shellcheck(script());
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it("negative control: a broken script is flagged", () => {
      const r = shellcheck('#!/bin/sh\nfor f in $(ls *.txt); do\n  if [ $f == x ]; then echo "$f"\ndone\n');
      expect(r.status).not.toBe(0);
      expect(r.stdout).toMatch(/SC\d{4}/);
    });

    it("negative control: an unquoted command substitution is flagged", () => {
      const r = shellcheck("#!/bin/sh\nmkdir -p /tmp/x/$(dirname a/b)\n");
      expect(r.stdout).toContain("SC2046");
    });
  },
);

/** The tags the rendered pull script will pull, as Python reads its TAGS line. */
function pythonTags(models: OllamaModel[]): string[] {
  const line = renderOllamaPullScript(models, 60)
    .split("\n")
    .find((l) => l.startsWith("TAGS = "));
  expect(line).toBeDefined();
  const r = run("python3", ["-c", `import json\n${line}\nprint(json.dumps(TAGS))`]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

describe("Ollama tags reach the pull script as written", () => {
  it("the dev tags, once each", () => {
    const models = devModels();
    expect(pythonTags(models)).toEqual([...new Set(models.map((m) => m.ollamaTag))]);
  });

  it.each([ODD_TAG, APOSTROPHE_TAG, 'quote"and\\backslash'])("%s is one tag, unchanged", (tag) => {
    expect(pythonTags([{ ...oddModels()[0]!, ollamaTag: tag }])).toEqual([tag]);
  });

  it("the schema accepts the odd tag and rejects an apostrophe", () => {
    expect(oddModels()[0]!.ollamaTag).toBe(ODD_TAG);
    const raw = {
      ...devLayerRaw(),
      gateway: {},
      models: [{ name: "odd", model: "llama-3.2-3b-instruct", ollamaTag: APOSTROPHE_TAG }],
    };
    expect(() => parseLayerSpec(raw)).toThrow(/models\[0\]\.ollamaTag/);
  });
});
