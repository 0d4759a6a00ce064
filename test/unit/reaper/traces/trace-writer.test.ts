import { traceWriterOf } from "../../../../reaper/traces/trace-writer";

describe("traceWriterOf", () => {
  test("the environment's own workload role is its workload; another environment's is named; anything else is an operator", () => {
    expect(traceWriterOf("arn:aws:sts::123456789012:assumed-role/ephemera-pr-1-workload/botocore-session-1", "pr-1")).toEqual({ kind: "workload" });
    expect(traceWriterOf("arn:aws:sts::123456789012:assumed-role/ephemera-pr-12-workload/s", "pr-1")).toEqual({ kind: "other-workload", env: "pr-12", role: "ephemera-pr-12-workload" });
    expect(traceWriterOf("arn:aws-us-gov:sts::123456789012:assumed-role/ephemera-feat-x-workload/s", "pr-1")).toMatchObject({ kind: "other-workload", env: "feat-x" });
    for (const arn of ["arn:aws:iam::123456789012:user/alice", "arn:aws:sts::123456789012:assumed-role/dev/alice", "arn:aws:sts::123456789012:assumed-role/ephemera-workload/s", "unknown"]) {
      expect(traceWriterOf(arn, "pr-1")).toEqual({ kind: "operator" });
    }
  });
});
