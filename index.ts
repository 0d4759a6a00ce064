/** Ephemera's public entry: constructs for ephemeral environments and the shared tag/TTL model. */
export * from "./constructs";
export * from "./reaper/model";
