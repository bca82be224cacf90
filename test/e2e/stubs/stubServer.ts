import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** One request as a stub saw it: enough to tell which upstream, model and key the gateway used. */
export interface RecordedRequest {
  readonly path: string;
  readonly model?: string;
  readonly authorization?: string;
  /** Every request header (names lower-cased by Node). */
  readonly headers: IncomingHttpHeaders;
  readonly stream: boolean;
  readonly body: unknown;
  /** Milliseconds since the epoch when the request arrived. */
  readonly at: number;
}

/** How a stub answers requests for one model: normally, or with an error status, or never. */
export type FailureMode = 500 | 429 | "hang";

export type Handler = (
  req: IncomingMessage,
  body: Record<string, unknown> | undefined,
  res: ServerResponse,
) => void | Promise<void>;

/**
 * The part both stubs share: an HTTP server on 127.0.0.1 (a free port) that records every request and, for a
 * model told to fail, answers 500 or 429 or holds the request open until the stub stops.
 */
export class StubServer {
  readonly requests: RecordedRequest[] = [];
  private readonly failures = new Map<string, FailureMode>();
  private readonly hanging = new Set<ServerResponse>();
  private required?: { readonly headers: Readonly<Record<string, string>>; readonly message: string };
  private server?: Server;
  port = 0;

  constructor(
    readonly name: string,
    private readonly routes: Readonly<Record<string, Handler>>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Makes every later request for `model` fail this way; `undefined` heals it. "*" matches every model. */
  fail(model: string, mode: FailureMode | undefined): void {
    if (mode === undefined) this.failures.delete(model);
    else this.failures.set(model, mode);
  }

  /**
   * Makes every later request without exactly these header values (names case-insensitive) answer 401 before any
   * route runs, as a proxy in front of the server would; `undefined` lifts the requirement.
   */
  requireHeaders(
    headers: Readonly<Record<string, string>> | undefined,
    message = "missing credentials",
  ): void {
    this.required = headers ? { headers, message } : undefined;
  }

  healAll(): void {
    this.failures.clear();
  }

  /** Recorded requests for one path (and model). */
  calls(path: string, model?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path && (model === undefined || r.model === model));
  }

  clear(): void {
    this.requests.length = 0;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: Record<string, unknown> | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? "/").split("?")[0]!;
    const model = typeof body?.model === "string" ? body.model : undefined;
    this.requests.push({
      path,
      model,
      authorization: req.headers.authorization,
      headers: req.headers,
      stream: body?.stream === true,
      body,
      at: Date.now(),
    });
    const required = this.required;
    if (required && Object.entries(required.headers).some(([n, v]) => req.headers[n.toLowerCase()] !== v)) {
      res.writeHead(401, { "content-type": "text/plain" });
      return void res.end(required.message);
    }
    const failure = model !== undefined ? (this.failures.get(model) ?? this.failures.get("*")) : undefined;
    if (failure === "hang") {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return;
    }
    if (failure !== undefined) {
      return json(res, failure, {
        error: { message: `${this.name} stub told to fail ${model}`, code: failure },
      });
    }
    const route = this.routes[`${req.method} ${path}`];
    if (!route) return json(res, 404, { error: `${this.name} stub has no ${req.method} ${path}` });
    await route(req, body, res);
  }
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The reply text a stub gives: names the stub and the upstream model id, so a test sees who answered. */
export function replyText(stub: string, model: string | undefined): string {
  return `hello from ${stub} ${model ?? "?"}`;
}
