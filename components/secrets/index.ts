export * from "./resolveSecrets";
