import { formatPausedSize, parsePausedSize } from "../../../../reaper/kinds/eks-nodegroup";

describe("a node group's remembered size (ephemera:paused-size)", () => {
  it("records the desired and minimum sizes in one tag value AWS accepts (no commas)", () => {
    expect(formatPausedSize(3, 1)).toBe("desired=3 min=1");
    expect(formatPausedSize(3, 1)).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
  });

  it("reads back exactly what was written", () => {
    for (const [desired, min] of [
      [0, 0],
      [1, 0],
      [3, 1],
      [250, 250],
    ]) {
      expect(parsePausedSize(formatPausedSize(desired, min))).toEqual({ desired, min });
    }
  });

  it("reads a bare number as the desired size with minimum 0", () => {
    expect(parsePausedSize("4")).toEqual({ desired: 4, min: 0 });
  });

  it("refuses anything else, including a minimum above the desired size", () => {
    for (const text of ["", "lots", "-1", "desired=3", "desired=1 min=2", "desired=3,min=1", "3.5"]) {
      expect(parsePausedSize(text)).toBeUndefined();
    }
  });
});
