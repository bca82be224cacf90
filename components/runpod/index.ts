// Runpod serverless vLLM endpoints: REST client and the CRUD steps a Pulumi resource calls.
export * from "./client";
export * from "./endpoint";
