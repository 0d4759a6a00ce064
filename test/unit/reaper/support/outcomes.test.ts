import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { attempt, errorCode, failed } from "../../../../reaper/support/outcomes";

describe("operation outcomes", () => {
  it("a failed AWS call reports the API's error code, message and request id", () => {
    const err = new EC2ServiceException({
      name: "DependencyViolation",
      $fault: "client",
      $metadata: { httpStatusCode: 400, requestId: "req-123" },
      message: "resource sg-1 has a dependent object",
    });
    expect(failed(err)).toEqual({
      ok: false,
      code: "DependencyViolation",
      message: "resource sg-1 has a dependent object",
      requestId: "req-123",
    });
  });

  it("a socket error reports its system code", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED", $metadata: { attempts: 1 } });
    expect(errorCode(err)).toBe("ECONNREFUSED");
  });

  it("nothing an operation throws escapes it", async () => {
    const result = await attempt(async () => {
      throw Object.assign(new Error("boom"), { name: "ThrottlingException" });
    });
    expect(result).toEqual({ ok: false, code: "ThrottlingException", message: "boom" });
  });
});
