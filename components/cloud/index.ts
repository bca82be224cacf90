export * from "./runpod";
export * from "./modal";
export * from "./backends";
