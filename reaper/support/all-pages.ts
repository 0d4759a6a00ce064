/**
 * Every item of every page of an AWS SDK v3 paginator (`paginateXxx`), in order. A page
 * that fails fails the whole listing: a partial list must never pass for a whole one.
 */
export async function allPages<Page, Item>(pages: AsyncIterable<Page>, items: (page: Page) => readonly Item[] | undefined): Promise<Item[]> {
  const all: Item[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}
