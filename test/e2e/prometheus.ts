/** Small Prometheus HTTP API client for the e2e tier (api/v1, prometheus/prometheus web/api/v1/api.go). */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export async function query(prometheusUrl: string, promql: string): Promise<Sample[]> {
  const r = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as { status: string; data?: { result: Sample[] }; error?: string };
  if (body.status !== "success") throw new Error(`query ${promql}: ${body.error}`);
  return body.data!.result;
}

/** Every metric name with at least one series in the TSDB head. */
export async function metricNamesPresent(prometheusUrl: string): Promise<Set<string>> {
  const r = await fetch(`${prometheusUrl}/api/v1/label/__name__/values`);
  const body = (await r.json()) as { data: string[] };
  return new Set(body.data);
}

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: "pending" | "firing" | "inactive";
}

export async function alerts(prometheusUrl: string): Promise<ActiveAlert[]> {
  const r = await fetch(`${prometheusUrl}/api/v1/alerts`);
  return ((await r.json()) as { data: { alerts: ActiveAlert[] } }).data.alerts;
}

/** The scrape targets and their health, by job. */
export async function targets(
  prometheusUrl: string,
): Promise<{ job: string; health: string; lastError: string }[]> {
  const r = await fetch(`${prometheusUrl}/api/v1/targets`);
  const body = (await r.json()) as {
    data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
  };
  return body.data.activeTargets.map((t) => ({
    job: t.labels.job!,
    health: t.health,
    lastError: t.lastError,
  }));
}
