// What a node takes from its channel: only whole messages of a known kind,
// every field of the right type; anything else is refused (and logged by
// the adapter), never handed on to a socket.
import { describe, expect, it } from "vitest";
import type { NodeMessage } from "../src/messages.js";
import { encodeMessage, MESSAGE_KINDS, parseMessage } from "../src/messages.js";

const valid = {
  to: { t: "to", r: "room", to: "b", from: "a", o: "node-1", f: '{"event":"ReceiveOffer"}' },
  all: { t: "all", r: "room", x: "a", f: '{"event":"UserConnected"}' },
  lost: { t: "lost", r: "room", id: "a" },
  moved: { t: "moved", r: "room", id: "a" },
  nack: { t: "nack", r: "room", from: "a", to: "b" },
} as const;

describe("parseMessage", () => {
  it("takes every kind whole", () => {
    expect(Object.keys(valid).sort()).toEqual([...MESSAGE_KINDS].sort());
    for (const message of Object.values(valid)) expect(parseMessage(JSON.stringify(message))).toEqual(message);
    expect(parseMessage(JSON.stringify({ t: "all", r: "room", f: "{}" }))).toEqual({ t: "all", r: "room", f: "{}" });
  });

  it("refuses a message missing a field, or with one of the wrong type", () => {
    for (const message of Object.values(valid)) {
      for (const field of Object.keys(message)) {
        if (field === "x") continue;
        const { [field]: _dropped, ...missing } = message as Record<string, unknown>;
        expect(parseMessage(JSON.stringify(missing)), `${message.t} without ${field}`).toBeUndefined();
        // A frame sent as an object (a Buffer's JSON, say) must not reach a socket.
        const wrong = { ...message, [field]: field === "t" ? "other" : { type: "Buffer", data: [123, 125] } };
        expect(parseMessage(JSON.stringify(wrong)), `${message.t} with a bad ${field}`).toBeUndefined();
      }
    }
    expect(parseMessage(JSON.stringify({ ...valid.all, x: 7 }))).toBeUndefined();
  });

  it("takes back what encodeMessage wrote, the frame after the header line byte for byte", () => {
    const frame = '{"event":"ReceiveOffer","sdp":"v=0\\r\\n"}\n{"second":"line"}';
    const messages: NodeMessage[] = [
      ...Object.values(valid),
      { t: "all", r: "room", f: frame },
      { ...valid.to, f: frame },
      { ...valid.to, r: 'a "room"\nwith a line feed' },
    ];
    for (const message of messages) {
      const text = encodeMessage(message);
      expect(parseMessage(text)).toEqual(message);
      // The frame is not inside the JSON: nothing of it is escaped.
      if ("f" in message) expect(text.endsWith(`\n${message.f}`)).toBe(true);
    }
  });

  it("refuses a header line that carries a frame of its own, or a frame for a kind without one", () => {
    expect(parseMessage(`${JSON.stringify(valid.to)}\n{}`)).toBeUndefined();
    expect(parseMessage(`${JSON.stringify(valid.lost)}\n{}`)).toBeUndefined();
    expect(parseMessage(`${JSON.stringify({ t: "to", r: "room", to: "b", from: "a" })}\n{}`)).toBeUndefined();
    expect(parseMessage(`not json\n{}`)).toBeUndefined();
  });

  it("refuses what is not a message at all", () => {
    for (const text of ["", "not json", "null", "[]", '"to"', "42", '{"t":"constructor","r":"room"}', '{"t":"toString","r":"room"}']) {
      expect(parseMessage(text), text).toBeUndefined();
    }
  });
});
