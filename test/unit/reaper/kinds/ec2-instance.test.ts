import { transitionTime } from "../../../../reaper/kinds/ec2-instance";

describe("the ec2-instance adapter's reading of a state transition, for the spend meter", () => {
  test("the time in AWS's reason (GMT) and moto's (UTC) is when the instance stopped or terminated", () => {
    expect(transitionTime("User initiated (2026-05-01 12:34:56 GMT)")).toBe("2026-05-01T12:34:56.000Z");
    expect(transitionTime("User initiated (2026-05-01 12:34:56 UTC)")).toBe("2026-05-01T12:34:56.000Z");
  });

  test("a reason without a time, or with an impossible one, gives none: the meter then adds nothing rather than guess", () => {
    expect(transitionTime(undefined)).toBeUndefined();
    expect(transitionTime("")).toBeUndefined();
    expect(transitionTime("Server.SpotInstanceTermination: Spot instance termination")).toBeUndefined();
    expect(transitionTime("User initiated (2026-13-45 99:00:00 GMT)")).toBeUndefined();
  });
});
