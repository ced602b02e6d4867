// The track detail panel: the selected track's latest update and its stored history.

import type maplibregl from "maplibre-gl";
import { get, releasability, type TrackUpdate } from "./api";
import { EMPTY, setData } from "./map";
import type { Picture } from "./picture";
import { fmtTime } from "./alerts";

export class TrackDetail {
  private readonly panel = document.getElementById("track-detail") as HTMLElement;
  selected: string | null = null;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly picture: Picture,
  ) {}

  close(): void {
    this.selected = null;
    this.panel.hidden = true;
    this.panel.replaceChildren();
    setData(this.map, "selected", EMPTY);
  }

  async open(trackId: string): Promise<void> {
    this.selected = trackId;
    this.render();
    const t = this.picture.tracks.get(trackId);
    const t_to = t?.t_s ?? this.picture.latest_t_s;
    try {
      const q = Number.isFinite(t_to) && t_to > 0 ? `?t_from=${t_to - 3600}` : ""; // half-open: no t_to
      const history = await get<TrackUpdate[]>(`/tracks/${encodeURIComponent(trackId)}${q}`);
      if (this.selected !== trackId) return;
      setData(this.map, "selected", {
        type: "FeatureCollection",
        features: [
          {
            type: "Feature",
            properties: { track_id: trackId },
            geometry: { type: "LineString", coordinates: history.map((u) => [u.lon, u.lat]) },
          },
        ],
      });
      this.panel.querySelector("[data-field=history]")!.textContent =
        `${history.length} updates in the last hour`;
    } catch (e) {
      const h = this.panel.querySelector("[data-field=history]");
      if (h) h.textContent = `history unavailable (${String(e)})`;
    }
  }

  /** Re-renders when the selected track moves. */
  update(trackId: string): void {
    if (trackId === this.selected) this.render();
  }

  private render(): void {
    const id = this.selected;
    if (!id) return;
    const t = this.picture.tracks.get(id);
    this.panel.hidden = false;
    this.panel.dataset.trackId = id;
    const rows: [string, string][] = [["track", id]];
    if (t) {
      const speed = Math.hypot(t.vel_east_mps ?? 0, t.vel_north_mps ?? 0);
      const heading = ((Math.atan2(t.vel_east_mps ?? 0, t.vel_north_mps ?? 0) * 180) / Math.PI + 360) % 360;
      rows.push(
        ["time", fmtTime(t.t_s)],
        ["position", `${t.lat.toFixed(5)}, ${t.lon.toFixed(5)}`],
        ["speed", `${speed.toFixed(1)} m/s (${(speed * 3.6).toFixed(0)} km/h)`],
        ["heading", `${heading.toFixed(0)}°`],
        ["state", t.state],
        ["class", t.classification ?? "—"],
        ["sector", t.sector],
        ["σ", t.sigma_m != null ? `${t.sigma_m.toFixed(0)} m` : "—"],
        ["marking", releasability(t)],
      );
    }
    const crossings = [...this.picture.crossings.values()].filter((c) => c.track_id === id);
    const alerts = [...this.picture.alerts.values()].filter((a) => a.track_id === id);
    rows.push(["crossings", String(crossings.length)], ["alerts", alerts.map((a) => a.state).join(", ") || "none"]);
    const h = document.createElement("h2");
    h.textContent = "Track";
    const close = document.createElement("button");
    close.type = "button";
    close.id = "track-detail-close";
    close.textContent = "×";
    close.addEventListener("click", () => this.close());
    h.append(close);
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dd.dataset.field = k;
      dl.append(dt, dd);
    }
    const hist = this.panel.querySelector("[data-field=history]")?.textContent ?? "loading history…";
    const p = document.createElement("p");
    p.dataset.field = "history";
    p.textContent = hist;
    this.panel.replaceChildren(h, dl, p);
  }
}
