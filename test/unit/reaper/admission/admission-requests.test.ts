import { announce, type AdmissionTicket, readTickets, waitingRequests } from "../../../../reaper/admission/admission-requests";
import { admissionRequestKey } from "../../../../reaper/state/state-keys";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const TICKET: AdmissionTicket = { id: "0b6f5d3e-9c1a-4e2b-8f7d-2a1c3e4b5d6f", env: "pr-9", owner: "web", ttlMs: 3_600_000, by: "arn:aws:iam::123456789012:role/ci" };

async function readBack(store: MemoryStateStore) {
  return readTickets(store, await waitingRequests(store, new Set()), new Map());
}

describe("admission requests", () => {
  test("a waiting request keeps its isolation level, so the admit that decides it checks the level asked for", async () => {
    const store = new MemoryStateStore(() => new Date());
    await announce(store, { ...TICKET, isolation: "kata" }, new Date());
    expect((await readBack(store)).tickets).toEqual([{ ...TICKET, isolation: "kata" }]);
  });

  test("a request without a level reads back without one (none)", async () => {
    const store = new MemoryStateStore(() => new Date());
    await announce(store, TICKET, new Date());
    expect((await readBack(store)).tickets).toEqual([TICKET]);
  });

  test("a request with a level this version does not know is passed over and named, never read as none", async () => {
    const store = new MemoryStateStore(() => new Date());
    await store.put(admissionRequestKey(new Date(), TICKET.id), JSON.stringify({ v: 1, ...TICKET, isolation: "firecracker" }));
    const read = await readBack(store);
    expect(read.tickets).toEqual([]);
    expect(read.skipped.join()).toContain('a malformed admission request: isolation "firecracker" is not a known isolation level');
  });
});
