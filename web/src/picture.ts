// The live picture: tracks with short trails, crossings and alerts, kept in memory and drawn
// onto the map at most once per animation frame.

import type maplibregl from "maplibre-gl";
import type { Feature, FeatureCollection } from "geojson";
import type { Alert, AlertEvent, Crossing, TrackUpdate } from "./api";
import { setData } from "./map";

const TRAIL_POINTS = 20;
const TRAIL_SECONDS = 600;

export function colourKey(t: TrackUpdate): string {
  return t.classification || t.state || "tentative";
}

export class Picture {
  readonly tracks = new Map<string, TrackUpdate>();
  readonly trails = new Map<string, [number, number, number][]>(); // lon, lat, t_s
  readonly crossings = new Map<string, Crossing>();
  readonly alerts = new Map<string, Alert>();
  latest_t_s = 0;
  private pending = false;
  private alertListeners: ((a: Alert) => void)[] = [];

  constructor(private readonly map: maplibregl.Map) {}

  onAlert(listener: (a: Alert) => void): void {
    this.alertListeners.push(listener);
  }

  setTracks(updates: TrackUpdate[], keepTrails: boolean): void {
    this.tracks.clear();
    if (!keepTrails) this.trails.clear();
    for (const u of updates) this.addTrack(u, false);
    this.redraw();
  }

  addTrack(u: TrackUpdate, redraw = true): void {
    // The picture is confirmed and coasting tracks (as GET /tracks answers): a tentative
    // track is most often clutter, and shows up once it is confirmed.
    if (u.state === "tentative" && !this.tracks.has(u.track_id)) return;
    if (u.state === "deleted") {
      this.tracks.delete(u.track_id);
      this.trails.delete(u.track_id);
    } else {
      const prev = this.tracks.get(u.track_id);
      if (!prev || prev.t_s <= u.t_s) this.tracks.set(u.track_id, u);
      const trail = this.trails.get(u.track_id) ?? [];
      trail.push([u.lon, u.lat, u.t_s]);
      while (trail.length > TRAIL_POINTS || (trail.length > 1 && u.t_s - trail[0][2] > TRAIL_SECONDS))
        trail.shift();
      this.trails.set(u.track_id, trail);
    }
    if (Number.isFinite(u.t_s)) this.latest_t_s = Math.max(this.latest_t_s, u.t_s);
    if (redraw) this.redraw();
  }

  addCrossing(c: Crossing): void {
    this.crossings.set(c.crossing_id, c);
    this.redraw();
  }

  addAlert(a: Alert): void {
    const prev = this.alerts.get(a.alert_id);
    this.alerts.set(a.alert_id, { ...prev, ...a });
    this.redraw();
    for (const l of this.alertListeners) l(this.alerts.get(a.alert_id)!);
  }

  applyAlertEvent(e: AlertEvent): void {
    const a = this.alerts.get(e.alert_id);
    if (!a) return;
    const next: Alert = { ...a, state: e.state };
    if (e.assignee !== undefined && e.assignee !== null) next.assignee = e.assignee;
    this.addAlert(next);
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
    for (const t of this.tracks.values()) {
      const props = { track_id: t.track_id, state: t.state, colour_key: colourKey(t) };
      points.push({ type: "Feature", properties: props, geometry: { type: "Point", coordinates: [t.lon, t.lat] } });
      const trail = this.trails.get(t.track_id);
      if (trail && trail.length > 1)
        lines.push({
          type: "Feature",
          properties: props,
          geometry: { type: "LineString", coordinates: trail.map(([lon, lat]) => [lon, lat]) },
        });
    }
    const fc = (features: Feature[]): FeatureCollection => ({ type: "FeatureCollection", features });
    setData(this.map, "tracks", fc(points));
    setData(this.map, "trails", fc(lines));
    setData(
      this.map,
      "crossings",
      fc(
        [...this.crossings.values()].map((c) => ({
          type: "Feature",
          properties: { crossing_id: c.crossing_id, track_id: c.track_id, direction: c.direction },
          geometry: { type: "Point", coordinates: [c.lon, c.lat] },
        })),
      ),
    );
    setData(
      this.map,
      "alerts",
      fc(
        [...this.alerts.values()]
          .filter((a) => a.state !== "resolved")
          .map((a) => ({
            type: "Feature",
            properties: { alert_id: a.alert_id, state: a.state, severity: a.severity },
            geometry: { type: "Point", coordinates: [a.lon, a.lat] },
          })),
      ),
    );
  }
}
