/**
 * `npm run bench`: where the offline plan spends its time, measured side by side in one run.
 * Compares the pure core (parse → plan → render every file) with the whole offline plan (the program on
 * Pulumi's mock runtime). Prints medians and their ratio; no assertion, no threshold.
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { dockerEndpoints } from "../components/render";
import { plan } from "../components/plan";
import { renderLayerFiles } from "../components/render";
import { parseLayerSpec } from "../components/spec";
import { runOffline } from "../bin/offline/run";
import { readStackFile } from "../bin/offline/stackFile";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => unknown, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main() {
  const config = readStackFile(join(__dirname, "..", "stacks", "Pulumi.dev.yaml"));
  const raw = JSON.parse(config.values["ai-layer:layer"]!);
  const core = () => {
    const p = plan(parseLayerSpec(raw), { stack: "dev" });
    return renderLayerFiles(p, dockerEndpoints(p));
  };
  const offline = () => runOffline("dev", config);
  await time(core, 20); // warm-up
  await time(offline, 2);
  const coreMs = median(await time(core, 200));
  const offlineMs = median(await time(offline, 15));
  console.log(`parse+plan+render (pure core): median ${coreMs.toFixed(3)} ms over 200 runs`);
  console.log(`offline plan on the mock runtime: median ${offlineMs.toFixed(1)} ms over 15 runs`);
  console.log(`ratio: the mock-runtime run takes ${(offlineMs / coreMs).toFixed(0)}× the pure core`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
