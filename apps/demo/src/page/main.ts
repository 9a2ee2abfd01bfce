import { byTestId } from "./dom.js";
import { acceptFileDrops } from "./drop.js";
import { cleanName, roomNameProblem } from "./protocol.js";
import { ChatSession } from "./session.js";
import { hideError, showError, showSignalingStatus } from "./view.js";

const DEFAULT_ROOM = "lobby";
const NAME_KEY = "realtime-demo:name";

const joinForm = byTestId<HTMLFormElement>("join-form");
const nameInput = byTestId<HTMLInputElement>("name-input");
const roomInput = byTestId<HTMLInputElement>("room-input");

let session: ChatSession | undefined;

roomInput.value = new URLSearchParams(location.search).get("room")?.trim() || DEFAULT_ROOM;
nameInput.value = loadName();
(nameInput.value ? byTestId("join-button") : nameInput).focus();

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = cleanName(nameInput.value);
  const room = roomInput.value.trim();
  const nameProblem = name ? undefined : "Pick a name the others will see.";
  const roomProblem = roomNameProblem(room);
  showFieldError(nameInput, "name-error", nameProblem);
  showFieldError(roomInput, "room-error", roomProblem);
  if (nameProblem) return nameInput.focus();
  if (roomProblem) return roomInput.focus();

  saveName(name);
  setRoomInUrl(room);
  hideError();
  try {
    session = new ChatSession({ name, room, url: signalingUrl() });
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
  }
});

byTestId("leave-button").addEventListener("click", () => {
  leave();
  nameInput.focus();
});

// A reload or a closed tab: close the client cleanly (code 1000) so the server
// frees the seat at once and the others see us leave now, rather than keeping
// the seat for its grace period as it does for a dropped connection (the
// reloaded tab comes back under a new id). Should the browser keep the page in
// its back/forward cache, it comes back at the join form.
addEventListener("pagehide", leave);

byTestId("copy-invite").addEventListener("click", (event) => {
  const button = event.currentTarget as HTMLButtonElement;
  navigator.clipboard.writeText(location.href).then(
    () => {
      button.textContent = "Link copied";
      setTimeout(() => (button.textContent = "Copy invite link"), 2000);
    },
    () => showError(`Could not copy the link; share ${location.href} by hand.`),
  );
});

byTestId("error-dismiss").addEventListener("click", hideError);

byTestId<HTMLFormElement>("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = byTestId<HTMLInputElement>("chat-input");
  const text = input.value;
  input.focus();
  void session?.say(text).then((sent) => {
    // Cleared once sent, unless the box holds something new by then.
    if (sent && input.value === text) input.value = "";
  });
});

const fileInput = byTestId<HTMLInputElement>("file-input");
byTestId("attach-button").addEventListener("click", () => fileInput.click());
fileInput.addEventListener("change", () => {
  session?.sendFiles(Array.from(fileInput.files ?? []));
  // The same file again is a new send.
  fileInput.value = "";
});
acceptFileDrops(byTestId("room-view"), byTestId("drop-overlay"), (files) => session?.sendFiles(files));

byTestId("video-toggle").addEventListener("click", () => session?.toggleVideo());

function leave(): void {
  session?.leave();
  session = undefined;
  hideError();
  showSignalingStatus("idle", "Not connected");
}

/** The signaling server shares the page's origin. */
function signalingUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
}

function showFieldError(input: HTMLInputElement, errorTestId: string, problem: string | undefined): void {
  const error = byTestId(errorTestId);
  error.textContent = problem ?? "";
  error.hidden = !problem;
  input.setAttribute("aria-invalid", String(Boolean(problem)));
}

function setRoomInUrl(room: string): void {
  const url = new URL(location.href);
  url.searchParams.set("room", room);
  history.replaceState(null, "", url);
}

function loadName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

function saveName(name: string): void {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Private mode or storage off: the name is just not remembered.
  }
}
