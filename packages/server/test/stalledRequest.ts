import { once } from "node:events";
import { connect as tcpConnect, type Socket } from "node:net";
import { within } from "@raycaster/realtime-test-harness";
import { onTestFinished } from "vitest";

/**
 * An HTTP request left half-sent on a connection of its own: while it is
 * open the HTTP server cannot finish closing, so a drain waits on it.
 * `finish()` sends the rest and resolves with the raw response.
 */
export async function stalledRequest(port: number, path: string) {
  const socket: Socket = tcpConnect(port, "127.0.0.1");
  onTestFinished(() => {
    socket.destroy();
  });
  // A test that ends the server while this is open sees a reset: that error is
  // the end of this request, and finish() reports it.
  let failure: Error | undefined;
  socket.on("error", (error) => {
    failure = error;
  });
  await within("a TCP connection to the server", once(socket, "connect"));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  let response = "";
  socket.setEncoding("utf8").on("data", (chunk: string) => {
    response += chunk;
  });
  return {
    async finish(): Promise<string> {
      socket.write("\r\n");
      await within(`the response to GET ${path}`, once(socket, "close"), undefined, () => response);
      if (failure) throw failure;
      return response;
    },
  };
}
