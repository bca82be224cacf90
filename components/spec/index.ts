export * from "./defaults";
export * from "./schema";
export * from "./modelSchema";
export * from "./targetSchema";
export * from "./errors";
export * from "./parse";
export { extraModels } from "./crossChecks";
export { configReference } from "./reference";
export { checkStackName } from "./names";
