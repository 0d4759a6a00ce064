import { KIND_ADAPTERS } from "../kinds";
import type { KindContext } from "../contracts/kind-context";
import type { DiscoveredResource, KindAdapter, KindName, OperationResult } from "../contracts/kind-adapter";

/** The kind adapters, each operation reporting one line as it finishes (the CLI shows them on a terminal). */
export function progressAdapters(report: (line: string) => void): Record<KindName, KindAdapter<KindContext>> {
  const wrap = <A extends unknown[]>(
    name: string,
    operation: (ctx: KindContext, resource: DiscoveredResource, ...args: A) => Promise<OperationResult>,
  ) => {
    return async (ctx: KindContext, resource: DiscoveredResource, ...args: A): Promise<OperationResult> => {
      const result = await operation(ctx, resource, ...args);
      const outcome = !result.ok ? `failed (${result.code ?? "Failed"})` : result.alreadyDone ? "already done" : "done";
      report(`  ${name} ${resource.kind} ${resource.id}: ${outcome}`);
      return result;
    };
  };
  const table = {} as Record<KindName, KindAdapter<KindContext>>;
  for (const [kind, adapter] of Object.entries(KIND_ADAPTERS) as [KindName, KindAdapter<KindContext>][]) {
    table[kind] = {
      kind: adapter.kind,
      list: (ctx) => adapter.list(ctx),
      tag: wrap("tag", adapter.tag.bind(adapter)),
      delete: wrap("delete", adapter.delete.bind(adapter)),
      ...(adapter.pause === undefined ? {} : { pause: wrap("pause", adapter.pause.bind(adapter)) }),
      ...(adapter.resume === undefined ? {} : { resume: wrap("resume", adapter.resume.bind(adapter)) }),
    };
  }
  return table;
}
