/**
 * How `npm run smoke` reaches a gateway that only a cluster can address (kubernetes, aws-eks: `litellm.<ns>.svc`):
 * `kubectl port-forward` to a free local port, for as long as the checks run.
 * kubectl port-forward `svc/NAME :PORT` picks a free local port (the "[LOCAL_PORT:]REMOTE_PORT" form with an empty
 * local port) and prints `Forwarding from 127.0.0.1:<local> -> <port>` once it listens (client-go
 * tools/portforward/portforward.go: `fmt.Fprintf(pf.out, "Forwarding from %s -> %d\n", net.JoinHostPort(…), …)`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { onCluster, type Plan } from "../../components/plan";

/** The kubectl arguments that forward the plan's gateway Service, or undefined when the plan is not on a cluster. */
export function gatewayPortForwardArgs(plan: Plan): string[] | undefined {
  if (!onCluster(plan)) return undefined;
  const t = plan.target;
  const gateway = plan.services.gateway;
  const service = gateway.host.split(".")[0]!;
  return [
    ...(t.kind === "kubernetes" && t.kubeconfig ? ["--kubeconfig", t.kubeconfig] : []),
    // aws-eks: the kubeconfig the stack outputs (KUBECONFIG), whose current context is the new cluster.
    ...(t.kind === "kubernetes" ? ["--context", t.context] : []),
    "--namespace",
    t.namespace,
    "port-forward",
    `svc/${service}`,
    `:${gateway.port}`,
  ];
}

/** The local port of kubectl's `Forwarding from 127.0.0.1:<port> -> …` line, or undefined. */
export function forwardedPort(output: string): number | undefined {
  const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
  return m ? Number(m[1]) : undefined;
}

/** Starts kubectl port-forward and resolves with the local URL once it listens; stop() ends it. */
export function startPortForward(
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn("kubectl", args, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      return reject(e);
    }
    let output = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`kubectl port-forward did not start in ${timeoutMs / 1000} s:\n${output.trim()}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const port = forwardedPort(output);
      if (port !== undefined) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, stop: () => child.kill() });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new Error(
          e.code === "ENOENT"
            ? "the gateway is inside the cluster and kubectl is not installed: install kubectl, or port-forward yourself and pass --url"
            : `kubectl port-forward: ${e.message}`,
        ),
      );
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited (${code}) before forwarding:\n${output.trim()}`));
    });
  });
}
