import { percentile } from "../../../bench/percentile";

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 95)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile(samples, 100)).toBe(10);
  });

  it("is NaN for no samples, and the one sample for one", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([42], 95)).toBe(42);
  });

  it("does not reorder its input", () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });
});
