import { tryParseUsd } from "../../../../reaper/model";

describe("tryParseUsd", () => {
  test("reads whole dollars or dollars and cents above 0, around whitespace", () => {
    expect(tryParseUsd("25")).toEqual({ ok: true, value: 25 });
    expect(tryParseUsd(" 25.5 ")).toEqual({ ok: true, value: 25.5 });
    expect(tryParseUsd("0.01")).toEqual({ ok: true, value: 0.01 });
  });

  test("refuses zero, signs, exponents, three decimals and words, naming the field and a valid example", () => {
    for (const text of ["0", "-5", "1e3", "2.505", "lots", ""]) expect(tryParseUsd(text).ok).toBe(false);
    const refused = tryParseUsd("lots", { field: "EPHEMERA_MAX_BUDGET_USD", example: '"100"' });
    expect(!refused.ok && refused.error.message).toBe('EPHEMERA_MAX_BUDGET_USD "lots" is not an amount in USD above 0; use dollars and cents, such as "100"');
  });
});
