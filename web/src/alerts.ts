// The alert queue: newest first, each with the steps an operator may take. Every step is a
// person's decision, sent to the API; the answer (and the live stream, for every other
// browser) updates the alert's state.

import maplibregl from "maplibre-gl";
import { ApiError, post, releasability, type Alert, type User } from "./api";
import type { Picture } from "./picture";

// The outcomes of northline.alerts.Outcome (a test keeps the two lists equal).
const OUTCOMES = [
  "intercepted",
  "apprehended",
  "turned_back",
  "no_threat",
  "false_alarm",
  "not_found",
  "other",
];
/** The roles that step alerts and decide on dispatch. */
export const ACTING_ROLES = new Set(["operator", "supervisor"]);

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text = "",
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

/** An API error as "code: message", anything else as its text. */
export function errorText(e: unknown): string {
  return e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
}

/** An alert's badges, summary and one meta line (``extra`` appended to it). */
export function alertHeader(a: Alert, extra = ""): HTMLElement[] {
  const head = el("div", { class: "alert-head" });
  head.append(
    el("span", { class: "badge state", "data-field": "state" }, a.state),
    el("span", { class: "badge sev" }, a.severity),
    el("span", { class: "kind" }, a.kind),
    el("span", { class: "mark" }, releasability(a)),
  );
  const summary = el("div", { class: "summary" }, a.summary || `${a.kind} on ${a.track_id}`);
  const meta = el(
    "div",
    { class: "meta" },
    `${fmtTime(a.t_s)} · ${a.sector} · track ${a.track_id}` +
      (a.assignee ? ` · assigned to ${a.assignee}` : "") +
      extra,
  );
  return [head, summary, meta];
}

export function fmtTime(t_s: number): string {
  if (!Number.isFinite(t_s)) return "—";
  return new Date(t_s * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

export class AlertQueue {
  private readonly list: HTMLOListElement;
  private readonly markers = new Map<string, maplibregl.Marker>();
  private readonly showResolved: HTMLInputElement;
  private user: User | null = null;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly picture: Picture,
    private readonly onSelectTrack: (trackId: string) => void,
    private readonly onOpenAlert: (alertId: string) => void = () => {},
  ) {
    this.list = document.getElementById("alert-queue") as HTMLOListElement;
    this.showResolved = document.getElementById("show-resolved") as HTMLInputElement;
    this.showResolved.addEventListener("change", () => this.renderAll());
    picture.onAlert((a) => this.render(a));
  }

  setUser(user: User | null): void {
    this.user = user;
    this.renderAll();
  }

  clear(): void {
    this.list.replaceChildren();
    for (const m of this.markers.values()) m.remove();
    this.markers.clear();
  }

  renderAll(): void {
    for (const a of this.picture.alerts.values()) this.render(a);
  }

  private mayAct(): boolean {
    return this.user !== null && ACTING_ROLES.has(this.user.role);
  }

  render(a: Alert): void {
    this.renderMarker(a);
    const id = CSS.escape(a.alert_id);
    let li = this.list.querySelector<HTMLLIElement>(`li[data-alert-id="${id}"]`);
    const hidden = a.state === "resolved" && !this.showResolved.checked;
    if (!li) {
      li = el("li", { "data-alert-id": a.alert_id, "data-testid": "alert" });
      // Newest first by raise time.
      const after = [...this.list.children].find(
        (c) => Number((c as HTMLElement).dataset.t) < a.t_s,
      );
      this.list.insertBefore(li, after ?? null);
    }
    li.dataset.state = a.state;
    li.dataset.severity = a.severity;
    li.dataset.t = String(a.t_s);
    li.hidden = hidden;
    li.className = `alert state-${a.state} sev-${a.severity}`;
    li.replaceChildren(...this.body(a));
    this.updateCount();
  }

  private updateCount(): void {
    const open = [...this.picture.alerts.values()].filter((a) => a.state !== "resolved").length;
    document.getElementById("alert-count")!.textContent = `(${open} open)`;
  }

  private body(a: Alert): HTMLElement[] {
    const [head, summary, meta] = alertHeader(a);
    const locate = el("button", { type: "button", "data-action": "locate" }, "Show");
    locate.addEventListener("click", () => {
      this.map.flyTo({ center: [a.lon, a.lat], zoom: Math.max(this.map.getZoom(), 10) });
      if (a.track_id) this.onSelectTrack(a.track_id);
    });
    const open = el("button", { type: "button", "data-action": "open" }, this.mayAct() && a.state !== "resolved" ? "Dispatch…" : "Details");
    open.addEventListener("click", () => this.onOpenAlert(a.alert_id));
    const actions = el("div", { class: "actions" });
    actions.append(locate, open);
    if (this.mayAct()) actions.append(...this.actionButtons(a));
    const error = el("div", { class: "error", "data-field": "error" });
    return [head, summary, meta, actions, error];
  }

  private actionButtons(a: Alert): HTMLElement[] {
    const out: HTMLElement[] = [];
    const step = (action: string, label: string, body: () => Record<string, string>) => {
      const b = el("button", { type: "button", "data-action": action }, label);
      b.addEventListener("click", () => void this.send(a, action, body()));
      out.push(b);
      return b;
    };
    if (a.state === "new") step("acknowledge", "Acknowledge", () => ({ note: "" }));
    if (a.state === "acknowledged") step("task", "Task", () => ({ note: "" }));
    if (a.state !== "resolved") {
      const who = el("input", {
        "data-field": "assignee",
        placeholder: "assignee",
        size: "8",
        value: a.assignee ?? "",
      });
      out.push(who);
      step("assign", "Assign", () => ({ assignee: who.value.trim(), note: "" }));
      const outcome = el("select", { "data-field": "outcome" });
      for (const o of OUTCOMES) outcome.append(el("option", { value: o }, o.replace("_", " ")));
      const note = el("input", { "data-field": "note", placeholder: "note", size: "10" });
      out.push(outcome, note);
      step("resolve", "Resolve", () => ({ outcome: outcome.value, note: note.value }));
    } else if (this.user?.role === "supervisor") {
      step("reopen", "Reopen", () => ({ note: "" }));
    }
    return out;
  }

  private async send(a: Alert, action: string, body: Record<string, string>): Promise<void> {
    const li = this.list.querySelector<HTMLLIElement>(`li[data-alert-id="${CSS.escape(a.alert_id)}"]`);
    li?.querySelectorAll("button").forEach((b) => (b.disabled = true));
    try {
      const updated = await post<Alert>(`/alerts/${encodeURIComponent(a.alert_id)}/${action}`, body);
      if (updated && typeof updated === "object" && "alert_id" in updated) this.picture.addAlert(updated);
    } catch (e) {
      const msg = errorText(e);
      li?.querySelectorAll("button").forEach((b) => (b.disabled = false));
      const err = li?.querySelector<HTMLElement>("[data-field=error]");
      if (err) err.textContent = msg;
    }
  }

  private renderMarker(a: Alert): void {
    let m = this.markers.get(a.alert_id);
    if (a.state === "resolved") {
      m?.remove();
      this.markers.delete(a.alert_id);
      return;
    }
    if (!m) {
      const div = el("div", { class: "alert-marker", "data-map-alert-id": a.alert_id });
      div.addEventListener("click", () => {
        const li = this.list.querySelector<HTMLElement>(`li[data-alert-id="${CSS.escape(a.alert_id)}"]`);
        li?.scrollIntoView({ block: "nearest" });
        li?.classList.add("flash");
        setTimeout(() => li?.classList.remove("flash"), 1200);
        if (a.track_id) this.onSelectTrack(a.track_id);
        this.onOpenAlert(a.alert_id);
      });
      m = new maplibregl.Marker({ element: div }).setLngLat([a.lon, a.lat]).addTo(this.map);
      this.markers.set(a.alert_id, m);
    }
    const div = m.getElement();
    div.dataset.state = a.state;
    div.textContent = a.kind === "crossing" ? "✕" : "!";
    div.title = `${a.state} · ${a.summary}`;
  }
}
