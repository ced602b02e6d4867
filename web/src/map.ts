// The map: a MapLibre style with no glyphs, sprites or tiles. Every layer is GeoJSON the page
// fetches from the API (the basemap from the data directory, the rest from the store).

import maplibregl from "maplibre-gl";
import type { FeatureCollection, Feature, Polygon } from "geojson";
import { get, releasability, type Sensor } from "./api";

export const EMPTY: FeatureCollection = { type: "FeatureCollection", features: [] };

export const CLASS_COLOURS: Record<string, string> = {
  person: "#f5a623",
  vehicle: "#4a90e2",
  vessel: "#50e3c2",
  aircraft: "#bd10e0",
  drone: "#ff5c8a",
  tentative: "#9aa5b1",
  confirmed: "#ffd166",
  coasting: "#8d99ae",
  deleted: "#555555",
};

const STATE_COLOURS: Record<string, string> = {
  new: "#ff3b30",
  acknowledged: "#ff9500",
  tasked: "#ffcc00",
  resolved: "#34c759",
};

function matchColour(
  key: maplibregl.ExpressionSpecification,
  table: Record<string, string>,
  fallback: string,
): maplibregl.ExpressionSpecification {
  const pairs = Object.entries(table).flat();
  return ["match", key, ...pairs, fallback] as unknown as maplibregl.ExpressionSpecification;
}

export function createMap(container: HTMLElement): maplibregl.Map {
  const style: maplibregl.StyleSpecification = {
    version: 8,
    // No "glyphs" and no "sprite": nothing is fetched for text or icons; labels are HTML.
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#0b2233" } }],
  };
  return new maplibregl.Map({
    container,
    style,
    center: [-96, 49.5],
    zoom: 3.2,
    attributionControl: false,
    renderWorldCopies: false,
    fadeDuration: 0,
  });
}

/** Sources and layers, bottom to top. */
export function addLayers(map: maplibregl.Map): void {
  for (const id of [
    "land",
    "lakes",
    "admin1",
    "boundary",
    "ports",
    "coverage",
    "crossings",
    "trails",
    "tracks",
    "selected",
    "taskings",
    "recommended",
    "assets",
    "alerts",
  ]) {
    // The basemap is 1:10m–1:50m data: tiling it past zoom 9 adds work and no detail.
    const basemap = (BASEMAP_LAYERS as readonly string[]).includes(id);
    map.addSource(id, { type: "geojson", data: EMPTY, ...(basemap ? { maxzoom: 9 } : {}) });
  }
  const add = (layer: maplibregl.LayerSpecification) => map.addLayer(layer);
  add({ id: "land", type: "fill", source: "land", paint: { "fill-color": "#1d3a2f" } });
  add({ id: "lakes", type: "fill", source: "lakes", paint: { "fill-color": "#0b2233" } });
  add({
    id: "admin1-fill",
    type: "fill",
    source: "admin1",
    paint: {
      "fill-color": ["match", ["get", "adm0_a3"], "CAN", "#24453a", "USA", "#2a3f4f", "#1d3a2f"],
      "fill-opacity": 0.85,
    },
  });
  add({
    id: "admin1-line",
    type: "line",
    source: "admin1",
    paint: { "line-color": "#6b8a7a", "line-width": 0.6, "line-dasharray": [3, 2] },
  });
  add({ id: "lakes-over", type: "fill", source: "lakes", paint: { "fill-color": "#0b2233" } });
  add({
    id: "boundary-halo",
    type: "line",
    source: "boundary",
    paint: { "line-color": "#000000", "line-width": 6, "line-opacity": 0.5 },
  });
  add({
    id: "boundary",
    type: "line",
    source: "boundary",
    paint: { "line-color": "#ff2d55", "line-width": 2.5 },
  });
  add({
    id: "coverage",
    type: "fill",
    source: "coverage",
    paint: { "fill-color": "#5ac8fa", "fill-opacity": 0.08 },
  });
  add({
    id: "coverage-line",
    type: "line",
    source: "coverage",
    paint: { "line-color": "#5ac8fa", "line-width": 1, "line-opacity": 0.6 },
  });
  add({
    id: "sensors",
    type: "circle",
    source: "coverage",
    filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-radius": 3, "circle-color": "#5ac8fa" },
  });
  add({
    id: "ports",
    type: "circle",
    source: "ports",
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 3, 2.5, 9, 6],
      "circle-color": "#ffffff",
      "circle-stroke-color": "#ff2d55",
      "circle-stroke-width": 1.5,
    },
  });
  add({
    id: "crossings",
    type: "circle",
    source: "crossings",
    paint: {
      "circle-radius": 7,
      "circle-color": "rgba(0,0,0,0)",
      "circle-stroke-color": "#ff9500",
      "circle-stroke-width": 2,
    },
  });
  add({
    id: "trails",
    type: "line",
    source: "trails",
    paint: {
      "line-color": matchColour(["get", "colour_key"], CLASS_COLOURS, "#ffffff"),
      "line-width": 1.5,
      "line-opacity": 0.7,
    },
  });
  add({
    id: "selected",
    type: "line",
    source: "selected",
    paint: { "line-color": "#ffffff", "line-width": 2.5, "line-dasharray": [2, 1] },
  });
  add({
    id: "tracks",
    type: "circle",
    source: "tracks",
    paint: {
      "circle-radius": 5,
      "circle-color": matchColour(["get", "colour_key"], CLASS_COLOURS, "#ffffff"),
      "circle-stroke-color": "#000000",
      "circle-stroke-width": 1,
    },
  });
  add({
    id: "taskings",
    type: "line",
    source: "taskings",
    paint: { "line-color": "#ffcc00", "line-width": 2, "line-dasharray": [3, 2], "line-opacity": 0.9 },
  });
  add({
    id: "recommended",
    type: "line",
    source: "recommended",
    paint: {
      "line-color": ["case", ["get", "highlight"], "#ffffff", "#5ac8fa"],
      "line-width": ["case", ["get", "highlight"], 3, 1.5],
      "line-dasharray": [1, 1.5],
    },
  });
  add({
    id: "recommended-point",
    type: "circle",
    source: "recommended",
    filter: ["==", ["geometry-type"], "Point"],
    paint: {
      "circle-radius": 4,
      "circle-color": "#0b1015",
      "circle-stroke-color": ["case", ["get", "highlight"], "#ffffff", "#5ac8fa"],
      "circle-stroke-width": 2,
    },
  });
  // Icons come from the page (Responders makes them on "styleimagemissing"); no text, so no
  // glyphs are asked for.
  add({
    id: "assets",
    type: "symbol",
    source: "assets",
    layout: {
      "icon-image": ["get", "icon"],
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
    },
  });
  add({
    id: "alerts",
    type: "circle",
    source: "alerts",
    paint: {
      "circle-radius": 12,
      "circle-color": "rgba(0,0,0,0)",
      "circle-stroke-color": matchColour(["get", "state"], STATE_COLOURS, "#ff3b30"),
      "circle-stroke-width": 3,
    },
  });
}

export function setData(map: maplibregl.Map, source: string, data: FeatureCollection): void {
  (map.getSource(source) as maplibregl.GeoJSONSource | undefined)?.setData(data);
}

export const BASEMAP_LAYERS = ["land", "lakes", "admin1", "boundary", "ports"] as const;

/** Fetches the basemap; resolves when the boundary is on the map. */
export async function loadBasemap(map: maplibregl.Map): Promise<void> {
  const results = await Promise.allSettled(
    BASEMAP_LAYERS.map(async (layer) => {
      const fc = await get<FeatureCollection>(`/basemap/${layer}`);
      setData(map, layer, fc);
      if (layer === "boundary") fitTo(map, fc);
      return layer;
    }),
  );
  const boundary = results[BASEMAP_LAYERS.indexOf("boundary")];
  if (boundary.status === "rejected") throw boundary.reason;
  // Ready when the boundary is on screen, not merely handed to the worker.
  await new Promise<void>((resolve) => {
    const timer = window.setInterval(() => {
      if (!map.isSourceLoaded("boundary")) return;
      if (map.queryRenderedFeatures({ layers: ["boundary"] }).length === 0) return;
      window.clearInterval(timer);
      resolve();
    }, 100);
  });
}

/** Frames the map on a collection's bounding box (the boundary, on first sign-in). */
function fitTo(map: maplibregl.Map, fc: FeatureCollection): void {
  const b = new maplibregl.LngLatBounds();
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === "number") b.extend([c[0], c[1] as number]);
    else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const f of fc.features) if (f.geometry && "coordinates" in f.geometry) visit(f.geometry.coordinates);
  if (!b.isEmpty()) map.fitBounds(b, { padding: 30, animate: false, maxZoom: 8 });
}

/** A circle of ``range_m`` around a point, as a polygon (spherical earth, 64 vertices). */
export function circle(lon: number, lat: number, range_m: number, n = 64): Polygon {
  const R = 6_371_008.8;
  const d = range_m / R;
  const phi1 = (lat * Math.PI) / 180;
  const lam1 = (lon * Math.PI) / 180;
  const ring: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const b = (2 * Math.PI * i) / n;
    const phi2 = Math.asin(
      Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(b),
    );
    const lam2 =
      lam1 +
      Math.atan2(
        Math.sin(b) * Math.sin(d) * Math.cos(phi1),
        Math.cos(d) - Math.sin(phi1) * Math.sin(phi2),
      );
    ring.push([(lam2 * 180) / Math.PI, (phi2 * 180) / Math.PI]);
  }
  return { type: "Polygon", coordinates: [ring] };
}

export function sensorFeatures(sensors: Sensor[]): FeatureCollection {
  const features: Feature[] = [];
  for (const s of sensors) {
    const props = {
      sensor_id: s.sensor_id,
      kind: s.kind,
      name: s.name ?? "",
      range_m: s.range_m,
      releasability: releasability(s),
    };
    if (s.range_m > 0) features.push({ type: "Feature", properties: props, geometry: circle(s.lon, s.lat, s.range_m) });
    features.push({ type: "Feature", properties: props, geometry: { type: "Point", coordinates: [s.lon, s.lat] } });
  }
  return { type: "FeatureCollection", features };
}
