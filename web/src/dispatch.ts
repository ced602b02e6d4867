// The alert panel: one alert, the responders recommended for it and the decisions so far.
// An operator or supervisor accepts a recommendation, sends another unit (change) or declines
// with a note; Northline itself tasks nobody. Every decision is the API's answer to a
// person's click, and the live stream brings every other browser's decisions here too.

import type maplibregl from "maplibre-gl";
import type { Feature } from "geojson";
import {
  get,
  post,
  type Alert,
  type AlertDetail,
  type Asset,
  type DispatchAnswer,
  type DispatchDecision,
  type Recommendation,
  type User,
} from "./api";
import { ACTING_ROLES, alertHeader, el, errorText, fmtTime } from "./alerts";
import { EMPTY, setData } from "./map";
import type { Picture } from "./picture";
import { DISPATCHABLE, kindLabel, type Responders } from "./responders";

const RECS_K = 3; // recommendations asked for

/** Seconds as mm:ss (minutes are not wrapped into hours: 75:00 is an hour and a quarter). */
export function fmtEta(eta_s: number | null | undefined): string {
  if (eta_s == null || !Number.isFinite(eta_s) || eta_s < 0) return "—";
  const s = Math.round(eta_s);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export class AlertPanel {
  private readonly panel = document.getElementById("alert-detail") as HTMLElement;
  alertId: string | null = null;
  private user: User | null = null;
  private decisions: DispatchDecision[] = [];
  private recs: Recommendation[] = [];
  private recsNote = ""; // why there are none ("loading…", an error)
  private error = "";
  private busy = false;
  private highlight: string | null = null;
  private refreshTimer: number | undefined;
  private note = ""; // kept across re-renders
  private changeTo = "";
  private shownState: string | undefined;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly picture: Picture,
    private readonly responders: Responders,
    private readonly onSelectTrack: (trackId: string) => void,
  ) {
    picture.onAlert((a) => {
      if (a.alert_id !== this.alertId) return;
      const was = this.shownState;
      this.shownState = a.state;
      this.render();
      // A resolved alert has no dispatch; a reopened one has again.
      if (was !== undefined && (was === "resolved") !== (a.state === "resolved")) this.scheduleRefresh();
    });
    responders.onChange(() => {
      if (this.alertId) this.render();
    });
  }

  setUser(user: User | null): void {
    this.user = user;
  }

  private mayAct(): boolean {
    return this.user !== null && ACTING_ROLES.has(this.user.role);
  }

  private alert(): Alert | undefined {
    return this.alertId ? this.picture.alerts.get(this.alertId) : undefined;
  }

  private isOpen(): boolean {
    const a = this.alert();
    return a !== undefined && a.state !== "resolved";
  }

  close(): void {
    this.alertId = null;
    this.panel.hidden = true;
    this.panel.replaceChildren();
    this.parts = null;
    this.shownState = undefined;
    this.recs = [];
    this.decisions = [];
    setData(this.map, "recommended", EMPTY);
    document.querySelectorAll("#alert-queue li.selected").forEach((li) => li.classList.remove("selected"));
  }

  async open(alertId: string): Promise<void> {
    if (this.alertId !== alertId) {
      this.close();
      this.alertId = alertId;
      this.note = "";
      this.changeTo = "";
      this.error = "";
      this.shownState = this.alert()?.state;
    }
    document.querySelectorAll("#alert-queue li").forEach((li) => {
      li.classList.toggle("selected", (li as HTMLElement).dataset.alertId === alertId);
    });
    this.panel.hidden = false;
    this.panel.scrollIntoView({ block: "start" });
    this.render();
    await this.refresh();
  }

  /** A live dispatch decision: this alert's list grows, and the recommendations change. */
  onDecision(d: DispatchDecision): void {
    if (d.alert_id !== this.alertId) return;
    this.addDecision(d);
    this.render();
    this.scheduleRefresh();
  }

  /** A responder moved or changed status: the recommendations may have changed. */
  onAsset(): void {
    if (this.alertId && this.mayAct() && this.isOpen()) this.scheduleRefresh();
  }

  private addDecision(d: DispatchDecision): void {
    if (this.decisions.some((x) => x.decision_id === d.decision_id)) return;
    this.decisions.push(d);
    this.decisions.sort((x, y) => x.t_s - y.t_s);
  }

  private scheduleRefresh(): void {
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.refresh(), 250);
  }

  /** The alert with its decisions, and (for who may decide, while it is open) recommendations. */
  async refresh(): Promise<void> {
    const id = this.alertId;
    if (!id) return;
    const path = `/alerts/${encodeURIComponent(id)}`;
    const detail = get<AlertDetail>(path).then((a) => {
      if (this.alertId !== id) return;
      const { events: _events, decisions, ...alert } = a;
      for (const d of decisions ?? []) this.addDecision(d);
      this.picture.addAlert(alert);
    });
    let recs: Promise<void> = Promise.resolve();
    if (this.mayAct() && this.isOpen()) {
      if (this.recs.length === 0) this.recsNote = "loading recommendations…";
      recs = get<Recommendation[]>(`${path}/recommendations?k=${RECS_K}`).then(
        (r) => {
          if (this.alertId !== id) return;
          this.recs = [...r].sort((x, y) => x.rank - y.rank);
          this.recsNote = this.recs.length ? "" : "No responder can reach this alert now.";
        },
        (e) => {
          if (this.alertId !== id) return;
          this.recs = [];
          this.recsNote = `recommendations unavailable (${errorText(e)})`;
        },
      );
    } else {
      this.recs = [];
      this.recsNote = "";
    }
    await Promise.allSettled([detail, recs]).then(([d]) => {
      if (d.status === "rejected" && this.alertId === id) this.error = errorText(d.reason);
    });
    if (this.alertId === id) this.render();
  }

  private async decide(action: "accept" | "change" | "decline", assetId?: string): Promise<void> {
    const id = this.alertId;
    if (!id || this.busy) return;
    const note = this.note.trim();
    if (action === "decline" && !note) {
      this.error = "Say why in the note to decline.";
      this.render();
      return;
    }
    if (action === "change" && !assetId) {
      this.error = "Pick the unit to send.";
      this.render();
      return;
    }
    // The top recommendation picked from the list is an accept (the API refuses to "change"
    // to the unit it recommends).
    if (action === "change" && assetId === this.recs[0]?.asset_id) action = "accept";
    this.busy = true;
    this.error = "";
    this.render();
    try {
      const body: Record<string, string> = { action, note };
      if (assetId) body.asset_id = assetId;
      const out = await post<DispatchAnswer>(`/alerts/${encodeURIComponent(id)}/dispatch`, body);
      if (out?.asset) this.responders.upsert(out.asset);
      if (out?.decision) this.addDecision(out.decision);
      if (out?.alert) this.picture.addAlert(out.alert);
      this.note = "";
      this.changeTo = "";
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.busy = false;
    }
    // What changed, fresh from the store: the alert, its decisions, the recommendations and
    // the responders (the live stream brings the same to every other browser).
    const assets = get<Asset[]>("/assets").then(
      (list) => this.responders.setAll(list),
      () => undefined,
    );
    await Promise.all([this.refresh(), assets]);
  }

  /** The panel's parts, made once: re-renders fill them in, so a note being typed, the unit
   * picked and the buttons stay put while live frames arrive. */
  private parts: {
    info: HTMLElement;
    dispatch: HTMLElement;
    recs: HTMLOListElement;
    recsNote: HTMLElement;
    pick: HTMLSelectElement;
    note: HTMLInputElement;
    buttons: HTMLButtonElement[];
    noDispatch: HTMLElement;
    decHead: HTMLElement;
    decisions: HTMLOListElement;
    error: HTMLElement;
    keys: Record<string, string>;
  } | null = null;

  private build(): NonNullable<AlertPanel["parts"]> {
    const h = el("h2", {}, "Alert");
    const close = el("button", { type: "button", id: "alert-detail-close", title: "close" }, "×");
    close.addEventListener("click", () => this.close());
    h.append(close);
    const info = el("div", { class: "info" });

    const dispatch = el("section", { class: "dispatch", "data-testid": "dispatch" });
    const recs = el("ol", { class: "recs", "data-testid": "recommendations" });
    const recsNote = el("p", { class: "meta", "data-field": "recs-note" });
    const pick = el("select", { "data-field": "change-asset" });
    pick.addEventListener("change", () => (this.changeTo = pick.value));
    const send = el("button", { type: "button", "data-action": "change" }, "Send");
    send.addEventListener("click", () => void this.decide("change", pick.value));
    const change = el("div", { class: "actions change" });
    change.append(pick, send);
    const note = el("input", { "data-field": "dispatch-note", placeholder: "note (sent with the decision)" });
    note.addEventListener("input", () => (this.note = note.value));
    const decline = el("button", { type: "button", "data-action": "decline" }, "Decline");
    decline.addEventListener("click", () => void this.decide("decline"));
    const row = el("div", { class: "actions" });
    row.append(note, decline);
    dispatch.append(el("h3", {}, "Recommended responders"), recs, recsNote, change, row);

    const noDispatch = el("p", { class: "meta", "data-field": "no-dispatch" }, "Operators and supervisors decide on dispatch.");
    const decSec = el("section", { class: "decisions" });
    const decHead = el("h3", {}, "Decisions");
    const decisions = el("ol", { "data-testid": "decisions" });
    decSec.append(decHead, decisions);
    const error = el("div", { class: "error", "data-field": "error", role: "alert" });
    // Who may not decide gets no dispatch controls at all, not hidden ones.
    this.panel.replaceChildren(h, info, ...(this.mayAct() ? [dispatch] : [noDispatch]), decSec, error);
    return { info, dispatch, recs, recsNote, pick, note, buttons: [send, decline], noDispatch, decHead, decisions, error, keys: {} };
  }

  private render(): void {
    const a = this.alert();
    const id = this.alertId;
    if (!id) return;
    const p = (this.parts ??= this.build());
    this.panel.hidden = false;
    this.panel.dataset.alertId = id;
    this.panel.dataset.state = a?.state ?? "";
    const fill = (key: string, value: string, draw: () => void) => {
      if (p.keys[key] === value) return;
      p.keys[key] = value;
      draw();
    };
    const units = a ? this.responders.taskedTo(a.alert_id).map((u) => u.name || u.asset_id) : [];
    fill("info", JSON.stringify([a, units]), () => p.info.replaceChildren(...this.info(a, units)));
    const deciding = a !== undefined && a.state !== "resolved" && this.mayAct();
    p.dispatch.hidden = !deciding;
    p.noDispatch.hidden = !(a !== undefined && a.state !== "resolved" && !this.mayAct());
    if (deciding) {
      fill("recs", JSON.stringify(this.recs), () => p.recs.replaceChildren(...this.recs.map((r) => this.recRow(r, a))));
      p.recsNote.textContent = this.recsNote;
      p.recsNote.hidden = !this.recsNote;
      const units = this.responders.dispatchable();
      fill("pick", JSON.stringify(units.map((u) => [u.asset_id, u.name, u.status])), () => {
        p.pick.replaceChildren(el("option", { value: "" }, "send another unit…"));
        for (const u of units)
          p.pick.append(el("option", { value: u.asset_id }, `${u.name || u.asset_id} · ${kindLabel(u.kind)} · ${u.status}`));
      });
      p.pick.value = units.some((u) => u.asset_id === this.changeTo) ? this.changeTo : "";
      if (p.note.value !== this.note) p.note.value = this.note;
      for (const b of [...p.buttons, ...p.recs.querySelectorAll("button")]) b.disabled = this.busy;
    }
    fill("decisions", JSON.stringify([this.decisions, [...this.responders.assets.keys()]]), () => {
      p.decHead.textContent = `Decisions (${this.decisions.length})`;
      p.decisions.replaceChildren(...this.decisionRows());
    });
    p.error.textContent = this.error;
    this.drawRecommended(a);
  }

  private info(a: Alert | undefined, units: string[]): HTMLElement[] {
    if (!a) return [el("div", { class: "meta" }, `alert ${this.alertId}`)];
    const [head, summary, meta] = alertHeader(a, units.length ? ` · unit ${units.join(", ")}` : "");
    const show = el("button", { type: "button", "data-action": "locate" }, "Show on map");
    show.addEventListener("click", () => {
      this.map.flyTo({ center: [a.lon, a.lat], zoom: Math.max(this.map.getZoom(), 10) });
      if (a.track_id) this.onSelectTrack(a.track_id);
    });
    const actions = el("div", { class: "actions" });
    actions.append(show);
    return [head, summary, meta, actions];
  }

  private recRow(r: Recommendation, a: Alert): HTMLElement {
    const li = el("li", {
      class: "rec",
      "data-testid": "recommendation",
      "data-asset-id": r.asset_id,
      "data-rank": String(r.rank),
    });
    const top = el("div", { class: "rec-head" });
    top.append(
      el("span", { class: "rank" }, `#${r.rank}`),
      el("strong", { "data-field": "name" }, r.asset_name || r.asset_id),
      el("span", { class: "kind", "data-field": "kind" }, kindLabel(r.asset_kind)),
      el("span", { class: "eta", "data-field": "eta", title: "time to intercept" }, `ETA ${fmtEta(r.eta_s)}`),
    );
    const accept = el("button", { type: "button", "data-action": "accept", "data-asset-id": r.asset_id }, "Accept");
    accept.disabled = this.busy;
    accept.addEventListener("click", () => void this.decide("accept", r.asset_id));
    top.append(accept);
    const reasons = [...(r.reasons ?? [])];
    if (r.on_path === false) reasons.push("to the last position: no intercept on its path");
    li.append(top, el("div", { class: "reasons", "data-field": "reasons" }, reasons.join(" · ")));
    li.addEventListener("mouseenter", () => this.setHighlight(r.asset_id, a));
    li.addEventListener("mouseleave", () => this.setHighlight(null, a));
    return li;
  }

  private decisionRows(): HTMLElement[] {
    if (!this.decisions.length) return [el("li", { class: "meta" }, "none yet")];
    return this.decisions.map((d) => {
      const unit = d.asset_id ? ` ${this.responders.name(d.asset_id)}` : "";
      return el(
        "li",
        { "data-testid": "decision", "data-action": d.action, "data-author": d.author },
        `${fmtTime(d.t_s).slice(11)} ${d.action}${unit} by ${d.author}` + (d.note ? ` — ${d.note}` : ""),
      );
    });
  }

  private setHighlight(assetId: string | null, a: Alert): void {
    this.highlight = assetId;
    this.drawRecommended(a);
  }

  /** From each recommended unit to where it would meet the track. */
  private drawRecommended(a: Alert | undefined): void {
    if (!a || a.state === "resolved" || !this.recs.length) {
      setData(this.map, "recommended", EMPTY);
      return;
    }
    const features: Feature[] = [];
    for (const r of this.recs) {
      const u = this.responders.assets.get(r.asset_id);
      const highlight = this.highlight ? this.highlight === r.asset_id : r.rank === 1;
      const props = { asset_id: r.asset_id, rank: r.rank, highlight };
      const to: [number, number] = [r.intercept_lon, r.intercept_lat];
      if (u && DISPATCHABLE.has(u.status))
        features.push({ type: "Feature", properties: props, geometry: { type: "LineString", coordinates: [[u.lon, u.lat], to] } });
      features.push({ type: "Feature", properties: props, geometry: { type: "Point", coordinates: to } });
    }
    setData(this.map, "recommended", { type: "FeatureCollection", features });
  }
}
