// File transfer over the "files" channel. For each file and each connected
// peer: a small JSON announcement `{ type: "file", key, name, size, mime }`,
// then the file itself as a Blob. The channel is ordered, so the Blob arrives
// after its announcement. Either side may send `{ type: "cancel", key }`: the
// sender aborts (or skips) that transfer, the receiver drops it.
import type { RTCClient } from "@raycaster/realtime";
import { TransferView } from "./transfer-view.js";

type Channel = ReturnType<RTCClient["channel"]>;

/** The largest file the demo sends or accepts: the client's default receive limit. */
export const FILE_MAX_BYTES = 64 * 1024 * 1024;
/** Room for the announcement next to the largest file. */
const CHANNEL_MAX_MESSAGE_SIZE = FILE_MAX_BYTES + 64 * 1024;
const NAME_MAX_LENGTH = 255;

type Announcement = { type: "file"; key: string; name: string; size: number; mime: string };
type FileMessage = Announcement | { type: "cancel"; key: string };

interface Outgoing {
  key: string;
  peerId: string;
  file: File;
  controller: AbortController;
  view: TransferView;
}

interface Incoming extends Announcement {
  peerId: string;
  view: TransferView;
  /** The client's id for the Blob's transfer, from its first `progress` event. */
  id?: string | number;
}

export interface FileTransferHooks {
  /** A peer's display name (or a stand-in) for the transfer lines. */
  nameOf: (peerId: string) => string;
  /** Puts a transfer line into the chat. */
  append: (element: HTMLElement) => void;
  /** Something the user should know: a file too large, nobody to send to. */
  problem: (message: string) => void;
}

/**
 * Sends files to every connected peer and receives theirs. Files to one peer
 * go one after the other (so each `progress` event belongs to the one file
 * in flight to that peer), to different peers at the same time. The client
 * bounds what a send holds in memory; a received file is one Blob, at most
 * {@link FILE_MAX_BYTES}.
 */
export class FileTransfers {
  readonly #client: RTCClient;
  readonly #channel: Channel;
  readonly #hooks: FileTransferHooks;
  readonly #outgoing = new Map<string, Outgoing>();
  /** Per peer, the file being sent now, and the end of its queue. */
  readonly #sending = new Map<string, Outgoing>();
  readonly #queues = new Map<string, Promise<void>>();
  /** Per peer, the announced file whose Blob comes next. */
  readonly #receiving = new Map<string, Incoming>();
  readonly #views: TransferView[] = [];

  constructor(client: RTCClient, hooks: FileTransferHooks) {
    this.#client = client;
    this.#hooks = hooks;
    this.#channel = client.channel("files", { ordered: true, maxMessageSize: CHANNEL_MAX_MESSAGE_SIZE });
    this.#channel.on("message", ({ peerId, data }) => this.#receive(peerId, data));
    this.#channel.on("progress", ({ peerId, id, direction, bytes, total }) => {
      if (direction === "send") {
        const outgoing = this.#sending.get(peerId);
        if (outgoing && total === outgoing.file.size) outgoing.view.progress(bytes);
        return;
      }
      const incoming = this.#receiving.get(peerId);
      if (!incoming || total !== incoming.size) return;
      incoming.id ??= id;
      if (incoming.id === id) incoming.view.progress(bytes);
    });
  }

  /** Sends each file to every connected peer. */
  send(files: Iterable<File>): void {
    const peers = this.#client.connectedPeers;
    for (const file of files) {
      if (file.size > FILE_MAX_BYTES) {
        this.#hooks.problem(`${file.name} is too large to send: files are at most ${FILE_MAX_BYTES / 1024 / 1024} MiB.`);
        continue;
      }
      if (peers.length === 0) {
        this.#hooks.problem("Nobody is connected yet, so the file was not sent.");
        return;
      }
      const key = crypto.randomUUID();
      for (const peerId of peers)
        this.#enqueue({
          key,
          peerId,
          file,
          controller: new AbortController(),
          view: this.#view(file.name, file.size, "send", peerId, () => this.#cancelOutgoing(key, peerId, true)),
        });
    }
  }

  /** The peer is gone: its transfers end. */
  peerLeft(peerId: string): void {
    for (const outgoing of this.#outgoing.values()) {
      if (outgoing.peerId === peerId) outgoing.controller.abort(new Error("the peer left"));
    }
    const incoming = this.#receiving.get(peerId);
    this.#receiving.delete(peerId);
    incoming?.view.ended("failed", `${this.#hooks.nameOf(peerId)} left before the file arrived`);
  }

  /** Aborts every transfer and frees the received files. */
  close(): void {
    for (const outgoing of this.#outgoing.values()) outgoing.controller.abort(new Error("you left the room"));
    this.#receiving.clear();
    for (const view of this.#views.splice(0)) view.dispose();
  }

  #enqueue(outgoing: Outgoing): void {
    const key = `${outgoing.key}:${outgoing.peerId}`;
    this.#outgoing.set(key, outgoing);
    const previous = this.#queues.get(outgoing.peerId) ?? Promise.resolve();
    const next = previous.then(() => this.#sendOne(outgoing)).finally(() => this.#outgoing.delete(key));
    this.#queues.set(outgoing.peerId, next);
    void next.finally(() => {
      if (this.#queues.get(outgoing.peerId) === next) this.#queues.delete(outgoing.peerId);
    });
  }

  async #sendOne(outgoing: Outgoing): Promise<void> {
    const { key, peerId, file, controller, view } = outgoing;
    const { signal } = controller;
    if (signal.aborted) return view.ended("cancelled", cancelledWhy(signal.reason));
    view.started();
    const announcement: Announcement = { type: "file", key, name: file.name, size: file.size, mime: file.type };
    try {
      await this.#channel.send(peerId, announcement, { signal });
      this.#sending.set(peerId, outgoing);
      await this.#channel.send(peerId, file, { signal });
      view.sent();
    } catch (error) {
      if (signal.aborted) {
        view.ended("cancelled", cancelledWhy(signal.reason));
        this.#tell(peerId, { type: "cancel", key });
      } else {
        view.ended("failed", `Failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      this.#sending.delete(peerId);
    }
  }

  /** Cancels a file to one peer: by our button (`mine`), or because the peer declined it. */
  #cancelOutgoing(key: string, peerId: string, mine: boolean): void {
    const outgoing = this.#outgoing.get(`${key}:${peerId}`);
    outgoing?.controller.abort(new Error(mine ? "Cancelled" : `${this.#hooks.nameOf(peerId)} cancelled`));
  }

  #receive(peerId: string, data: unknown): void {
    if (data instanceof Blob) return this.#arrived(peerId, data);
    const message = parseFileMessage(data);
    if (!message) return;
    if (message.type === "cancel") {
      const incoming = this.#receiving.get(peerId);
      if (incoming?.key === message.key) {
        this.#receiving.delete(peerId);
        incoming.view.ended("cancelled", `${this.#hooks.nameOf(peerId)} cancelled`);
      }
      return this.#cancelOutgoing(message.key, peerId, false);
    }
    // A new announcement while one is pending: the earlier Blob never came.
    this.#receiving.get(peerId)?.view.ended("failed", "The file did not arrive");
    const incoming: Incoming = {
      ...message,
      peerId,
      view: this.#view(message.name, message.size, "receive", peerId, () => this.#decline(peerId, message.key)),
    };
    this.#receiving.set(peerId, incoming);
    incoming.view.started();
  }

  #arrived(peerId: string, blob: Blob): void {
    const incoming = this.#receiving.get(peerId);
    // A Blob nobody announced (or one we declined) is not shown.
    if (!incoming) return;
    this.#receiving.delete(peerId);
    if (blob.size !== incoming.size) {
      return incoming.view.ended("failed", `Received ${blob.size} bytes where ${incoming.size} were announced`);
    }
    incoming.view.received(blob.type === incoming.mime ? blob : new Blob([blob], { type: incoming.mime }));
  }

  /** Our cancel button on an incoming file: drop it and ask the sender to stop. */
  #decline(peerId: string, key: string): void {
    const incoming = this.#receiving.get(peerId);
    if (incoming?.key !== key) return;
    this.#receiving.delete(peerId);
    incoming.view.ended("cancelled", "Cancelled");
    this.#tell(peerId, { type: "cancel", key });
  }

  #tell(peerId: string, message: FileMessage): void {
    this.#channel.send(peerId, message).catch((error: unknown) => {
      // The peer may be gone by now; nothing to undo, but say so for a developer.
      console.debug("[files] could not tell", peerId, message, error);
    });
  }

  #view(name: string, size: number, direction: "send" | "receive", peerId: string, onCancel: () => void): TransferView {
    const view = new TransferView({ name, size, direction, peerId, peerName: this.#hooks.nameOf(peerId), onCancel });
    this.#views.push(view);
    this.#hooks.append(view.element);
    return view;
  }
}

function cancelledWhy(reason: unknown): string {
  return reason instanceof Error ? reason.message.charAt(0).toUpperCase() + reason.message.slice(1) : "Cancelled";
}

/** A files-channel message, or `undefined`: a peer is not trusted to send what we expect. */
export function parseFileMessage(data: unknown): FileMessage | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (typeof message.key !== "string" || message.key.length > 64) return undefined;
  if (message.type === "cancel") return { type: "cancel", key: message.key };
  if (message.type !== "file" || typeof message.name !== "string" || typeof message.mime !== "string") return undefined;
  const size = message.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0 || size > FILE_MAX_BYTES) return undefined;
  const name =
    message.name
      // oxlint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f/\\]/g, "_")
      .trim()
      .slice(0, NAME_MAX_LENGTH) || "file";
  const mime = /^[\w.+-]+\/[\w.+-]+$/.test(message.mime) ? message.mime : "application/octet-stream";
  return { type: "file", key: message.key, name, size, mime };
}
