export * from "./environment-tags";
