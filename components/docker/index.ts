export * from "./common";
export * from "./ollama";
export * from "./ollamaModels";
export * from "./gateway";
export * from "./cache";
export * from "./monitoring";

export * from "./layer";
export * from "./alertmanager";
