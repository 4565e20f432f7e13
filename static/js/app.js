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
  // <button data-confirm="question"> asks before submitting its form; "{count}" in the question
  // becomes how many records the learner list's selection holds, so a person knows before it starts.
  const confirmer = event.target.closest("[data-confirm]");
  if (confirmer) {
    const question = confirmer.dataset.confirm.replace("{count}", () => selectionCount(confirmer));
    if (!window.confirm(question)) event.preventDefault();
  }
});
// "2 ticked records" or "50,000 records matching this filter": what a learner-list action is for.
function selectionCount(button) {
  const form = button.form;
  const all = form && form.querySelector("input[name=scope]");
  const records = (n) => `${Number(n).toLocaleString("en-GB")} ${Number(n) === 1 ? "record" : "records"}`;
  if (all && all.checked) return `${records(all.dataset.count)} matching this filter`;
  const ticked = form ? document.querySelectorAll(`input[name=learner][form="${form.id}"]:checked`).length : 0;
  return `${records(ticked)} ticked`;
}
// Progress: a status part is swapped in whole at each poll, which a screen reader does not announce. When the
// stage in its headline (its <strong>: "Queued", "Finished.", a stall) changes, it is said by a live region that
// stays: the window's own status-announcer (the page behind a modal window is inert), or the page's. The
// announcer keeps its words in a closed shadow root: screen readers hear them, while the page's text (and a
// test's search for it) holds the status once, where it is shown.
class StatusAnnouncer extends HTMLElement {
  #region;
  constructor() {
    super();
    this.#region = document.createElement("p");
    this.#region.setAttribute("role", "status");
    this.attachShadow({ mode: "closed" }).append(this.#region);
  }
  say(text) {
    if (text && this.#region.textContent !== text) this.#region.textContent = text;
  }
  get said() {
    return this.#region.textContent;
  }
}
customElements.define("status-announcer", StatusAnnouncer);
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll(".bulk-status [data-announce]").forEach((headline) => {
    const dialog = headline.closest("dialog");
    const announcer = dialog ? dialog.querySelector("status-announcer") : document.getElementById("page-announcer");
    const stage = [...headline.querySelectorAll("strong")].map((part) => part.textContent).join(" ");
    if (announcer) announcer.say((stage || headline.textContent).replace(/\s+/g, " ").trim());
  });
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
// role="tablist" of links (Edit Permissions): switch panels in place. Each tab is also a
// link that reopens the page on it, so the tabs work without JavaScript too.
function selectTab(tab) {
  const list = tab.closest("[role=tablist]");
  list.querySelectorAll("[role=tab]").forEach((each) => {
    const chosen = each === tab;
    each.setAttribute("aria-selected", String(chosen));
    each.classList.toggle("active", chosen);
    if (chosen) each.removeAttribute("tabindex"); else each.setAttribute("tabindex", "-1");
    const panel = document.getElementById(each.getAttribute("aria-controls"));
    if (panel) panel.hidden = !chosen;
  });
  const field = list.closest("form")?.querySelector("input[name=tab]");
  if (field) field.value = tab.dataset.tab;
  history.replaceState(null, "", tab.href);
}
document.addEventListener("click", (event) => {
  const tab = event.target.closest("[role=tablist] [role=tab]");
  if (!tab) return;
  event.preventDefault();
  selectTab(tab);
});
document.addEventListener("keydown", (event) => {
  const tab = event.target.closest("[role=tablist] [role=tab]");
  if (!tab || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
  const tabs = [...tab.closest("[role=tablist]").querySelectorAll("[role=tab]")];
  const at = tabs.indexOf(tab);
  const next = {
    ArrowLeft: tabs[(at - 1 + tabs.length) % tabs.length],
    ArrowRight: tabs[(at + 1) % tabs.length],
    Home: tabs[0],
    End: tabs[tabs.length - 1],
  }[event.key];
  event.preventDefault();
  next.focus();
  selectTab(next);
});
// Learner list: after a filter's chip is removed (the list redrawn in place), focus the chip now in its
// place, or the Filters button when none is left, so a keyboard user carries on from where they were.
let chipRemoved = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const chip = event.detail.elt.closest ? event.detail.elt.closest("[data-chip]") : null;
  chipRemoved = chip ? [...document.querySelectorAll("a.chip")].indexOf(chip) : null;
});
document.addEventListener("htmx:afterSettle", () => {
  if (chipRemoved === null) return;
  const chips = document.querySelectorAll("a.chip");
  const next = (chipRemoved >= 0 && chips[Math.min(chipRemoved, chips.length - 1)]) || document.getElementById("filter-panel-toggle");
  chipRemoved = null;
  if (next) next.focus();
});
