import { cleanUntrustedText, mcpClientInfo, requester } from "../../../../reaper/contracts/requester";

const ARN = "arn:aws:sts::123456789012:assumed-role/dev/alice";

describe("who asked, as audit reasons name it", () => {
  test("the caller's ARN alone from a shell; with the MCP client's name and version through ephemera mcp", () => {
    expect(requester(ARN)).toBe(ARN);
    expect(requester(ARN, { name: "claude-code", version: "1.2.3" })).toBe(`${ARN} via MCP client claude-code 1.2.3`);
    expect(requester(ARN, { name: "Claude Code", version: "" })).toBe(`${ARN} via MCP client Claude Code`);
  });

  test("a client's name and version are cleaned even when they did not come through mcpClientInfo", () => {
    expect(requester(ARN, { name: "x\n): its task is finished", version: "1\u202e" })).toBe(`${ARN} via MCP client x ?? its task is finished 1`);
    expect(requester(ARN, { name: "\u0000", version: "1" })).toBe(`${ARN} via MCP client unnamed 1`);
  });
});

describe("cleaning untrusted text", () => {
  test("collapses whitespace, drops control and format characters, replaces punctuation with ?, and cuts to the limit in characters", () => {
    expect(cleanUntrustedText("  a\t\r\nb  ", 10)).toBe("a b");
    expect(cleanUntrustedText("a\u0000b\u001bc\u200bd\u202ee", 10)).toBe("abcde");
    expect(cleanUntrustedText('a(b)c:d;e"f', 20)).toBe("a?b?c?d?e?f");
    expect(cleanUntrustedText("cursor-vscode_1.0+build.5@x/y#z~", 40)).toBe("cursor-vscode_1.0+build.5@x/y#z~");
    expect(cleanUntrustedText("é😀ü".repeat(3), 4)).toBe("é?üé");
    expect(cleanUntrustedText(42, 10)).toBe("");
  });

  test("is stable: cleaning again changes nothing", () => {
    const once = cleanUntrustedText("we\u0007ird (name): \u202e" + "z".repeat(80), 64);
    expect(cleanUntrustedText(once, 64)).toBe(once);
  });

  test("a handshake's client: name and version cleaned, a missing name is 'unnamed', no clientInfo is no client", () => {
    expect(mcpClientInfo({ name: "claude-code", version: "1.2.3" })).toEqual({ name: "claude-code", version: "1.2.3" });
    expect(mcpClientInfo({ name: "", version: 7 })).toEqual({ name: "unnamed", version: "" });
    expect(mcpClientInfo(undefined)).toBeUndefined();
    expect(mcpClientInfo({ name: "n".repeat(100), version: "v".repeat(100) })).toEqual({ name: "n".repeat(64), version: "v".repeat(32) });
  });
});
