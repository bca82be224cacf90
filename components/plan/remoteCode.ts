import type { ModelSpec } from "../catalog";
import type { ConfigProblem, ModelEntry } from "../spec";

/** The commits a vLLM model is served at: its weights and tokenizer (`revision`) and its remote code. */
export interface RevisionPins {
  /** Commit of the served repository (vLLM --revision and --tokenizer-revision); undefined = its main. */
  readonly revision?: string;
  /** Commit of the repository holding the remote code (vLLM --code-revision); only with trustRemoteCode. */
  readonly codeRevision?: string;
}

/**
 * The revisions of a configured model on vLLM: the config's, else the catalog's when the config serves the
 * catalog's repository. A model that runs remote code (--trust-remote-code) must have both pinned — code from a
 * branch head runs whatever was last pushed there — and each missing one is a problem at `at(...)`, naming the fix.
 */
export function revisionPins(
  entry: Pick<ModelEntry, "huggingFaceRepo" | "revision" | "codeRevision">,
  model: ModelSpec,
  at: (...p: PropertyKey[]) => string,
  problems: ConfigProblem[],
): RevisionPins {
  const repo = entry.huggingFaceRepo ?? model.huggingFaceRepo;
  const catalogRepo = repo === model.huggingFaceRepo;
  const revision = entry.revision ?? (catalogRepo ? model.revision : undefined);
  if (!model.trustRemoteCode) return revision ? { revision } : {};
  const codeRevision = entry.codeRevision ?? (catalogRepo ? model.codeRevision : undefined);
  const codeRepo =
    catalogRepo && model.codeRepo
      ? model.codeRepo
      : `the repository named by ${repo}'s config.json auto_map (or ${repo} itself)`;
  if (!revision)
    problems.push({
      path: at("revision"),
      message:
        `${model.id} runs remote code (vLLM --trust-remote-code), which must not come from a moving branch; ` +
        `set ${at("revision")} to the commit sha of ${repo}`,
    });
  if (!codeRevision)
    problems.push({
      path: at("codeRevision"),
      message:
        `${model.id} runs remote code (vLLM --trust-remote-code); set ${at("codeRevision")} to the commit sha ` +
        `of ${codeRepo}`,
    });
  return { ...(revision ? { revision } : {}), ...(codeRevision ? { codeRevision } : {}) };
}
