import { EC2ServiceException } from "@aws-sdk/client-ec2";
import { attempt, errorCode, failed, isAmbiguous } from "../../../../reaper/support/outcomes";
import { KubeApiError } from "../../../../reaper/kube/kube-api-error";

describe("operation outcomes", () => {
  it("a failure after the request went out (reset, timeout, 500/502/504) is ambiguous; a refusal, a throttle or a 4xx is not", () => {
    const sdk = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    const net = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
    expect([net("ECONNRESET"), net("ETIMEDOUT"), new Error("socket hang up"), sdk("InternalError", 500), sdk("BadGateway", 502), sdk("GatewayTimeout", 504)].map(isAmbiguous)).toEqual([
      true, true, true, true, true, true,
    ]);
    expect([net("ECONNREFUSED"), sdk("ThrottlingException", 400), sdk("ServiceUnavailable", 503), sdk("AccessDenied", 403), "text", null].map(isAmbiguous)).toEqual([
      false, false, false, false, false, false,
    ]);
    expect(failed(net("ECONNRESET"))).toMatchObject({ ok: false, ambiguous: true });
    expect(failed(sdk("AccessDenied", 403))).not.toHaveProperty("ambiguous");
    expect(isAmbiguous(new KubeApiError("InternalError", "etcd timeout", 500))).toBe(true);
    expect(isAmbiguous(new KubeApiError("Forbidden", "no", 403))).toBe(false);
    expect(isAmbiguous(new KubeApiError("NetworkError", "reset", 0, undefined, true))).toBe(true);
  });

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

  it("a socket error the SDK re-wrapped (seen from another realm) still reports its system code; other wrapped errors stay plain", () => {
    expect(errorCode(new Error("AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9"))).toBe("ECONNREFUSED");
    expect(errorCode(new Error("AWS SDK error wrapper for Error: getaddrinfo EAI_AGAIN api.pricing.us-east-1.amazonaws.com"))).toBe("EAI_AGAIN");
    expect(errorCode(new Error("AWS SDK error wrapper for [object Object]"))).toBe("Error");
    expect(errorCode(new Error("connect ECONNREFUSED 127.0.0.1:9"))).toBe("Error");
  });

  it("nothing an operation throws escapes it", async () => {
    const result = await attempt(async () => {
      throw Object.assign(new Error("boom"), { name: "ThrottlingException" });
    });
    expect(result).toEqual({ ok: false, code: "ThrottlingException", message: "boom" });
  });
});
