import { JoinQuery } from "@raycaster/realtime-protocol/client";
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../src/index.js";
import { joinUrl } from "../src/signaling.js";

describe("joinUrl", () => {
  it("adds the protocol and the room to the query, keeping the path and the query already there", () => {
    const url = new URL(joinUrl("wss://example.com:8443/signal?app=chat", "salle à manger & co"));
    expect(url.pathname).toBe("/signal");
    expect(url.searchParams.get("app")).toBe("chat");
    expect(url.searchParams.get(JoinQuery.protocol)).toBe(String(PROTOCOL_VERSION));
    expect(url.searchParams.get(JoinQuery.room)).toBe("salle à manger & co");
  });

  it("replaces a protocol or room the URL already names, so the server reads one of each", () => {
    const url = new URL(joinUrl(`ws://localhost:3000/?${JoinQuery.room}=other&${JoinQuery.protocol}=1`, "r"));
    expect(url.searchParams.getAll(JoinQuery.room)).toEqual(["r"]);
    expect(url.searchParams.getAll(JoinQuery.protocol)).toEqual([String(PROTOCOL_VERSION)]);
  });

  it("throws for what is not a URL, where the WebSocket constructor would", () => {
    expect(() => joinUrl("not a url", "r")).toThrow(TypeError);
  });
});
