import { h } from "./dom.js";

export type TransferDirection = "send" | "receive";
/** `queued`: waiting for an earlier file to the same peer; `active`: bytes moving. */
export type TransferState = "queued" | "active" | "done" | "cancelled" | "failed";

/**
 * One file going to or coming from one peer, as a line in the chat: its name
 * and size, a progress bar, a cancel button while it moves, and a download
 * link once received. `data-state` and `data-bytes` (the bytes the client's
 * `progress` events reported) are there for the tests.
 */
export class TransferView {
  readonly element: HTMLLIElement;
  readonly #progress: HTMLProgressElement;
  readonly #status: HTMLElement;
  readonly #actions: HTMLElement;
  readonly #name: string;
  readonly #peerLabel: string;
  readonly #direction: TransferDirection;
  #url: string | undefined;

  constructor({
    name,
    size,
    direction,
    peerId,
    peerName,
    onCancel,
  }: {
    name: string;
    size: number;
    direction: TransferDirection;
    peerId: string;
    peerName: string;
    onCancel: () => void;
  }) {
    this.#name = name;
    this.#direction = direction;
    this.#peerLabel = direction === "send" ? `to ${peerName}` : `from ${peerName}`;
    this.#progress = h("progress", {
      class: "transfer__bar",
      "data-testid": "transfer-progress",
      max: String(Math.max(size, 1)),
      value: "0",
      "aria-label": `${name} ${this.#peerLabel}`,
    });
    this.#status = h("span", { class: "transfer__status", "data-testid": "transfer-status" });
    const cancel = h(
      "button",
      { type: "button", class: "button button--ghost", "data-testid": "transfer-cancel", "aria-label": `Cancel ${name} ${this.#peerLabel}` },
      "Cancel",
    );
    cancel.addEventListener("click", onCancel);
    this.#actions = h("div", { class: "transfer__actions" }, cancel);
    this.element = h(
      "li",
      {
        class: `transfer transfer--${direction}`,
        "data-testid": "transfer",
        "data-direction": direction,
        "data-peer-id": peerId,
        "data-state": "queued",
        "data-bytes": "0",
      },
      h("span", { class: "transfer__icon", "aria-hidden": "true" }, direction === "send" ? "↑" : "↓"),
      h(
        "div",
        { class: "transfer__main" },
        h(
          "p",
          { class: "transfer__title" },
          h("span", { class: "transfer__name", "data-testid": "transfer-name" }, name),
          h("span", { class: "transfer__size", "data-testid": "transfer-size" }, formatBytes(size)),
        ),
        this.#progress,
        this.#status,
      ),
      this.#actions,
    );
    this.#show("queued", direction === "send" ? `Waiting to send ${this.#peerLabel}` : `Waiting ${this.#peerLabel}`);
  }

  /** The client's `progress`: `bytes` of the file have been handed over or received. */
  progress(bytes: number): void {
    const reported = Math.max(bytes, Number(this.element.dataset.bytes));
    this.element.dataset.bytes = String(reported);
    this.#progress.value = reported;
    const percent = Math.floor((100 * reported) / this.#progress.max);
    this.#show("active", `${this.#direction === "send" ? "Sending" : "Receiving"} ${this.#peerLabel} · ${percent} %`);
  }

  started(): void {
    this.#show("active", `${this.#direction === "send" ? "Sending" : "Receiving"} ${this.#peerLabel} · 0 %`);
  }

  sent(): void {
    this.#progress.value = this.#progress.max;
    this.#actions.replaceChildren();
    this.#show("done", `Sent ${this.#peerLabel}`);
  }

  /** Received in full: a download link under the sender's name for the file. */
  received(blob: Blob): void {
    this.#progress.value = this.#progress.max;
    this.#url = URL.createObjectURL(blob);
    this.#actions.replaceChildren(
      h("a", { class: "button button--primary", "data-testid": "transfer-download", href: this.#url, download: this.#name }, "Download"),
    );
    this.#show("done", `Received ${this.#peerLabel}`);
  }

  /** Ended before it was complete; `why` says by whom or what. */
  ended(state: "cancelled" | "failed", why: string): void {
    this.#actions.replaceChildren();
    this.#show(state, why);
  }

  get state(): TransferState {
    return this.element.dataset.state as TransferState;
  }

  /** Frees the received file (the page leaves the room). */
  dispose(): void {
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = undefined;
  }

  #show(state: TransferState, status: string): void {
    this.element.dataset.state = state;
    this.#status.textContent = status;
  }
}

const UNITS = ["bytes", "KiB", "MiB", "GiB"];

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} ${value === 1 ? "byte" : "bytes"}` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
