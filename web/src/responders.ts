// Responders on the map: one symbol per kind (drawn here, on a canvas: the style has no
// sprite), filled by status, a line to the alert each tasked unit was sent to, a legend and
// a popup. Kept current by GET /assets and the live `asset` frames.

import maplibregl from "maplibre-gl";
import type { Feature, FeatureCollection } from "geojson";
import { releasability, type Asset, type DispatchDecision } from "./api";
import type { Picture } from "./picture";
import { setData } from "./map";

type Shape = "rect" | "circle" | "hexagon" | "hull" | "triangle" | "diamond" | "pentagon";

/** Kind → shape and letter (northline.response.AssetKind). */
export const KINDS: Record<string, { shape: Shape; letter: string; label: string }> = {
  patrol_vehicle: { shape: "rect", letter: "V", label: "patrol vehicle" },
  patrol_foot: { shape: "circle", letter: "F", label: "foot patrol" },
  snowmobile: { shape: "hexagon", letter: "S", label: "snowmobile" },
  boat: { shape: "hull", letter: "B", label: "boat" },
  drone: { shape: "triangle", letter: "D", label: "drone" },
  helicopter: { shape: "diamond", letter: "H", label: "helicopter" },
  k9: { shape: "pentagon", letter: "K", label: "dog team" },
};

/** Status → fill (northline.response.AssetStatus). */
export const STATUS_COLOURS: Record<string, string> = {
  available: "#34c759",
  tasked: "#ffcc00",
  en_route: "#ff9500",
  on_scene: "#bf5af2",
  returning: "#5ac8fa",
  off_duty: "#8e8e93",
  maintenance: "#a2845e",
};

/** The statuses a unit may be sent from (northline.response.DISPATCHABLE). */
export const DISPATCHABLE = new Set(["available", "returning"]);
const BUSY = new Set(["tasked", "en_route", "on_scene"]);
const ICON_PX = 24;
const RATIO = 2;

function polygon(ctx: CanvasRenderingContext2D, n: number, r: number, rot: number): void {
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const a = rot + (2 * Math.PI * i) / n;
    const x = Math.cos(a) * r;
    const y = Math.sin(a) * r;
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.closePath();
}

function tracePath(ctx: CanvasRenderingContext2D, shape: Shape, r: number): void {
  switch (shape) {
    case "rect":
      ctx.beginPath();
      ctx.roundRect(-r, -r * 0.75, 2 * r, 1.5 * r, r * 0.25);
      break;
    case "circle":
      ctx.beginPath();
      ctx.arc(0, 0, r * 0.9, 0, 2 * Math.PI);
      break;
    case "hexagon":
      polygon(ctx, 6, r, 0);
      break;
    case "hull":
      ctx.beginPath();
      ctx.moveTo(-r, -r * 0.6);
      ctx.lineTo(r, -r * 0.6);
      ctx.lineTo(r * 0.55, r * 0.75);
      ctx.lineTo(-r * 0.55, r * 0.75);
      ctx.closePath();
      break;
    case "triangle":
      polygon(ctx, 3, r * 1.1, -Math.PI / 2);
      ctx.translate(0, r * 0.15);
      break;
    case "diamond":
      polygon(ctx, 4, r * 1.05, -Math.PI / 2);
      break;
    case "pentagon":
      polygon(ctx, 5, r, -Math.PI / 2);
      break;
  }
}

/** Draws one responder symbol, ``px`` CSS pixels square, onto a canvas of that many × ratio. */
export function drawSymbol(canvas: HTMLCanvasElement, kind: string, status: string, px = ICON_PX): void {
  const spec = KINDS[kind] ?? { shape: "circle" as Shape, letter: "?", label: kind };
  canvas.width = canvas.height = px * RATIO;
  canvas.style.width = canvas.style.height = `${px}px`;
  const ctx = canvas.getContext("2d")!;
  ctx.scale(RATIO, RATIO);
  ctx.translate(px / 2, px / 2);
  const r = px / 2 - 2;
  ctx.save();
  tracePath(ctx, spec.shape, r);
  ctx.fillStyle = STATUS_COLOURS[status] ?? "#ffffff";
  ctx.fill();
  ctx.lineWidth = 1.8;
  ctx.strokeStyle = "#0b1015";
  ctx.stroke();
  ctx.restore();
  ctx.fillStyle = "#0b1015";
  ctx.font = `bold ${Math.round(px * 0.5)}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(spec.letter, 0, spec.shape === "triangle" ? px * 0.08 : px * 0.03);
}

function iconId(kind: string, status: string): string {
  return `asset:${kind}:${status}`;
}

export function kindLabel(kind: string): string {
  return KINDS[kind]?.label ?? kind.replace(/_/g, " ");
}

export class Responders {
  readonly assets = new Map<string, Asset>();
  private pending = false;
  private readonly listeners: (() => void)[] = [];
  private popup: maplibregl.Popup | null = null;
  private popupId: string | null = null;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly picture: Picture,
  ) {
    // Icons are made when the map first asks for one: any kind × status, known or not.
    map.on("styleimagemissing", (e: { id: string }) => {
      const [prefix, kind, status] = e.id.split(":");
      if (prefix !== "asset" || map.hasImage(e.id)) return;
      const canvas = document.createElement("canvas");
      drawSymbol(canvas, kind ?? "", status ?? "");
      const ctx = canvas.getContext("2d")!;
      map.addImage(e.id, ctx.getImageData(0, 0, canvas.width, canvas.height), { pixelRatio: RATIO });
    });
    map.on("click", "assets", (e) => {
      const id = e.features?.[0]?.properties?.asset_id as string | undefined;
      if (id) this.showPopup(id);
    });
    picture.onAlert(() => this.redraw());
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  setAll(assets: Asset[]): void {
    this.assets.clear();
    for (const a of assets) this.assets.set(a.asset_id, a);
    this.changed();
  }

  /** A live `asset` frame or a dispatch answer: merged into what is known of the unit. */
  upsert(a: Asset): void {
    const prev = this.assets.get(a.asset_id);
    const next: Asset = { ...prev, ...a };
    // A frame without the tasking keeps the one known while the unit is busy.
    if (!("tasked_alert_id" in a)) next.tasked_alert_id = BUSY.has(a.status) ? (prev?.tasked_alert_id ?? null) : null;
    this.assets.set(a.asset_id, next);
    this.changed();
  }

  /** A live decision: the alert's tasking moves to the unit sent (none, on decline), as the
   * API's ``tasked_alert_id`` would say (the `asset` frame that follows does not carry it). */
  noteDecision(d: DispatchDecision): void {
    const sent = d.action === "decline" ? null : d.asset_id;
    for (const a of this.assets.values())
      if (a.tasked_alert_id === d.alert_id && a.asset_id !== sent) a.tasked_alert_id = null;
    const unit = sent ? this.assets.get(sent) : undefined;
    if (unit) unit.tasked_alert_id = d.alert_id;
    this.changed();
  }

  clear(): void {
    this.assets.clear();
    this.popup?.remove();
    this.changed();
  }

  name(assetId: string | null | undefined): string {
    if (!assetId) return "—";
    return this.assets.get(assetId)?.name || assetId;
  }

  /** Units that may be sent now, by name. */
  dispatchable(): Asset[] {
    return [...this.assets.values()]
      .filter((a) => DISPATCHABLE.has(a.status))
      .sort((x, y) => (x.name || x.asset_id).localeCompare(y.name || y.asset_id));
  }

  /** The units tasked to an alert. */
  taskedTo(alertId: string): Asset[] {
    return [...this.assets.values()].filter((a) => a.tasked_alert_id === alertId && BUSY.has(a.status));
  }

  private changed(): void {
    this.redraw();
    if (this.popupId) this.showPopup(this.popupId, false);
    for (const l of this.listeners) l();
  }

  redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const points: Feature[] = [];
    const lines: Feature[] = [];
    for (const a of this.assets.values()) {
      points.push({
        type: "Feature",
        properties: {
          asset_id: a.asset_id,
          name: a.name,
          kind: a.kind,
          status: a.status,
          icon: iconId(a.kind, a.status),
          releasability: releasability(a),
        },
        geometry: { type: "Point", coordinates: [a.lon, a.lat] },
      });
      const alert = a.tasked_alert_id ? this.picture.alerts.get(a.tasked_alert_id) : undefined;
      if (alert && alert.state !== "resolved" && BUSY.has(a.status))
        lines.push({
          type: "Feature",
          properties: { asset_id: a.asset_id, alert_id: alert.alert_id, status: a.status },
          geometry: { type: "LineString", coordinates: [[a.lon, a.lat], [alert.lon, alert.lat]] },
        });
    }
    const fc = (features: Feature[]): FeatureCollection => ({ type: "FeatureCollection", features });
    setData(this.map, "assets", fc(points));
    setData(this.map, "taskings", fc(lines));
  }

  showPopup(assetId: string, open = true): void {
    const a = this.assets.get(assetId);
    if (!a) return;
    if (!open && !this.popup?.isOpen()) return;
    const body = document.createElement("div");
    body.className = "asset-popup";
    body.dataset.testid = "asset-popup";
    body.dataset.assetId = a.asset_id;
    const title = document.createElement("strong");
    title.textContent = a.name || a.asset_id;
    body.append(title);
    const rows: [string, string][] = [
      ["kind", kindLabel(a.kind)],
      ["status", a.status.replace(/_/g, " ")],
    ];
    if (a.tasked_alert_id && BUSY.has(a.status)) rows.push(["alert", a.tasked_alert_id]);
    if (a.speed_mps) rows.push(["speed", `${(a.speed_mps * 3.6).toFixed(0)} km/h`]);
    rows.push(["id", a.asset_id], ["marking", releasability(a)]);
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.dataset.field = k;
      dd.textContent = v;
      dl.append(dt, dd);
    }
    body.append(dl);
    if (!this.popup) {
      this.popup = new maplibregl.Popup({ closeButton: true, maxWidth: "260px", offset: 12 });
      this.popup.on("close", () => (this.popupId = null));
    }
    this.popupId = assetId;
    this.popup.setLngLat([a.lon, a.lat]).setDOMContent(body);
    if (!this.popup.isOpen()) this.popup.addTo(this.map);
  }
}

/** The legend: a symbol per kind and a swatch per status. */
export function legend(): HTMLElement {
  const box = document.createElement("details");
  box.id = "legend";
  box.dataset.testid = "legend";
  box.open = true;
  const summary = document.createElement("summary");
  summary.textContent = "Responders";
  box.append(summary);
  const kinds = document.createElement("ul");
  for (const [kind, spec] of Object.entries(KINDS)) {
    const li = document.createElement("li");
    li.dataset.kind = kind;
    const c = document.createElement("canvas");
    drawSymbol(c, kind, "available", 18);
    li.append(c, spec.label);
    kinds.append(li);
  }
  const statuses = document.createElement("ul");
  for (const [status, colour] of Object.entries(STATUS_COLOURS)) {
    const li = document.createElement("li");
    li.dataset.status = status;
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = colour;
    li.append(sw, status.replace(/_/g, " "));
    statuses.append(li);
  }
  box.append(kinds, statuses);
  return box;
}
