/**
 * Makes `target` take files dragged onto it: `overlay` shows while files
 * hover over it, and `onFiles` gets them when dropped. Drags of anything else
 * (text, links) are left to the browser.
 */
export function acceptFileDrops(target: HTMLElement, overlay: HTMLElement, onFiles: (files: File[]) => void): void {
  // dragenter/dragleave fire for every child crossed: count them.
  let depth = 0;
  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;
  const show = (visible: boolean) => {
    overlay.hidden = !visible;
    target.classList.toggle("is-dropping", visible);
  };
  target.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth++;
    show(true);
  });
  target.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
  });
  target.addEventListener("dragleave", (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) show(false);
  });
  target.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    show(false);
    const files = Array.from(event.dataTransfer?.files ?? []);
    if (files.length > 0) onFiles(files);
  });
}
