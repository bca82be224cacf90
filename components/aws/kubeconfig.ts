/** What a kubeconfig for an EKS cluster needs (resolved values of the cluster's outputs). */
export interface EksKubeconfigInput {
  /** EKS cluster name (what `aws eks get-token --cluster-name` takes). */
  readonly clusterName: string;
  /** API server URL, `https://<id>.gr7.<region>.eks.amazonaws.com`. */
  readonly endpoint: string;
  /** Base64 PEM of the cluster CA (the cluster's certificateAuthority.data). */
  readonly certificateAuthorityData: string;
  /** Region of the cluster. */
  readonly region: string;
}

/**
 * A kubeconfig (JSON, which kubectl and the Kubernetes provider read as YAML) that authenticates with
 * `aws eks get-token`: short-lived tokens from whoever runs Pulumi, no static credential in state.
 */
export function eksKubeconfig(c: EksKubeconfigInput): string {
  const name = c.clusterName;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name, cluster: { server: c.endpoint, "certificate-authority-data": c.certificateAuthorityData } },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    preferences: {},
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", name, "--region", c.region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}
