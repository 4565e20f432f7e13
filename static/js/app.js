// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  // Close an open navigation menu when clicking elsewhere.
  document.querySelectorAll("details.navmenu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
  // <button data-close-dialog> closes the dialog it sits in.
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    const dialog = closer.closest("dialog");
    if (dialog) dialog.close();
  }
  // <button data-confirm="question"> asks before submitting its form.
  const confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.dataset.confirm)) event.preventDefault();
});
// A dialog delivered by htmx with data-open-modal opens itself.
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll("dialog[data-open-modal]:not([open])").forEach((d) => d.showModal());
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("dialog[data-open-modal]:not([open])").forEach((d) => d.showModal());
});
// A results window closed by the user (Close or Escape) is removed, so that its
// polling stops and a later htmx swap cannot reopen it. The download goes on.
document.addEventListener("close", (event) => {
  const dialog = event.target;
  if (!(dialog instanceof HTMLDialogElement) || !dialog.hasAttribute("data-open-modal")) return;
  dialog.remove();
  // data-closed-event="name": tell the page (hx-trigger="name from:body") that the window went away.
  if (dialog.dataset.closedEvent) document.body.dispatchEvent(new CustomEvent(dialog.dataset.closedEvent));
}, true);
