import { isDigestPinned, lockedImage, RUNPOD_WORKER } from "../catalog";
import { formatPath, type ConfigProblem, type LayerSpec } from "../spec";
import { isCloud, type Plan } from "./types";

/** The fix for an image without a digest, for the message. */
const FIX =
  "run `npm run images:lock` where the registries are reachable (it fills components/catalog/imageDigests.ts) " +
  "or pin it yourself";

/**
 * Every image the plan runs that is pinned by tag only, as a problem at the config path that sets it, for a
 * stack that opts in with `layer.security.requireImageDigests`. Pure.
 */
export function tagOnlyImages(
  plan: Plan,
  /** The plan's images in use by service (imagesInUse). */
  services: Readonly<Partial<Record<string, string>>>,
  spec: Pick<LayerSpec, "models">,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [service, ref] of Object.entries(services)) {
    if (!ref || isDigestPinned(ref)) continue;
    const path = formatPath(["images", service]);
    problems.push({
      path,
      message: `${ref} is pinned by tag only (requireImageDigests); ${FIX} with ${path}: ${ref}@sha256:<digest>`,
    });
  }
  spec.models.forEach((entry, i) => {
    const image = entry.canary?.image;
    if (image && !isDigestPinned(image))
      problems.push({
        path: formatPath(["models", i, "canary", "image"]),
        message: `${image} is pinned by tag only (requireImageDigests); add @sha256:<digest>`,
      });
  });
  const runpod = plan.models.filter((m) => isCloud(m) && m.runtime === "runpod");
  const worker = lockedImage(RUNPOD_WORKER.image);
  if (runpod.length && !isDigestPinned(worker)) {
    const i = spec.models.findIndex((e) => e.name === runpod[0]!.name);
    problems.push({
      path: formatPath(["models", i, "backend"]),
      message: `the Runpod worker image ${worker} is pinned by tag only (requireImageDigests); ${FIX}`,
    });
  }
  return problems;
}
