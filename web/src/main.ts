// Northline's common operating picture: sign in, then the map, the live picture, the alert
// queue, the track detail and the replay slider. Nothing is fetched from outside the page's
// own origin: no CDN, no fonts, no tiles.

import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";
import maplibregl from "maplibre-gl";
import {
  ApiError,
  Live,
  get,
  login,
  logout,
  setToken,
  token,
  whenUnauthenticated,
  type Alert,
  type Asset,
  type Crossing,
  type LiveMessage,
  type Sensor,
  type TrackUpdate,
  type User,
} from "./api";
import { AlertQueue, fmtTime } from "./alerts";
import { TrackDetail } from "./detail";
import { addLayers, createMap, loadBasemap, sensorFeatures, setData } from "./map";
import { Picture } from "./picture";
import { AlertPanel } from "./dispatch";
import { Responders, legend } from "./responders";

declare global {
  interface Window {
    northline: {
      map: maplibregl.Map;
      ready: Promise<void>;
      picture: Picture;
      responders: Responders;
      panel: AlertPanel;
      user: () => User | null;
    };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const mapEl = $<HTMLDivElement>("map");
const map = createMap(mapEl);
const styleLoaded = new Promise<void>((resolve) => map.on("load", () => resolve()));
const picture = new Picture(map);
const detail = new TrackDetail(map, picture);
const responders = new Responders(map, picture);
const panel = new AlertPanel(map, picture, responders, (id) => void detail.open(id));
const queue = new AlertQueue(
  map,
  picture,
  (id) => void detail.open(id),
  (id) => void panel.open(id),
);
mapEl.append(legend());

let user: User | null = null;
let mode: "live" | "replay" = "live";
let resolveReady!: () => void;
const ready = new Promise<void>((r) => (resolveReady = r));
window.northline = { map, ready, picture, responders, panel, user: () => user };

const live = new Live(
  onLive,
  (s) => {
    const el = $("live-status");
    el.dataset.state = s;
    el.textContent = s;
  },
  () => void loadPicture(),
);

function onLive(m: LiveMessage): void {
  switch (m.type) {
    case "track":
      if (mode === "live") {
        picture.addTrack(m.data);
        detail.update(m.data.track_id);
        extendSlider();
      }
      break;
    case "crossing":
      picture.addCrossing(m.data);
      break;
    case "alert":
      picture.addAlert(m.data);
      break;
    case "alert_event":
      picture.applyAlertEvent(m.data);
      break;
    case "asset":
      responders.upsert(m.data);
      panel.onAsset();
      break;
    case "dispatch_decision":
      responders.noteDecision(m.data);
      panel.onDecision(m.data);
      break;
  }
}

// --- sign in ---------------------------------------------------------------------------

function showLogin(message = ""): void {
  live.stop();
  user = null;
  $("app").hidden = true;
  $("login").hidden = false;
  const err = $("login-error");
  err.textContent = message;
  err.hidden = !message;
  $<HTMLInputElement>("login-user").focus();
}

whenUnauthenticated(() => {
  setToken(null);
  showLogin("Your session has ended; sign in again.");
});

$<HTMLFormElement>("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const err = $("login-error");
  err.hidden = true;
  const button = $<HTMLButtonElement>("login-submit");
  button.disabled = true;
  try {
    const u = await login(
      $<HTMLInputElement>("login-user").value.trim(),
      $<HTMLInputElement>("login-password").value,
    );
    $<HTMLInputElement>("login-password").value = "";
    await start(u);
  } catch (e) {
    err.textContent =
      e instanceof ApiError && e.status === 401 ? "Wrong user id or password." : `Sign-in failed: ${String(e)}`;
    err.hidden = false;
  } finally {
    button.disabled = false;
  }
});

$("logout").addEventListener("click", async () => {
  await logout().catch(() => undefined);
  queue.clear();
  detail.close();
  panel.close();
  responders.clear();
  picture.alerts.clear();
  picture.crossings.clear();
  picture.setTracks([], false);
  showLogin();
});

async function start(u: User): Promise<void> {
  user = u;
  $("login").hidden = true;
  $("app").hidden = false;
  $("user-name").textContent = `${u.name || u.user_id} · ${u.role} · ${u.agency}`;
  document.body.dataset.role = u.role;
  queue.setUser(u);
  panel.setUser(u);
  map.resize();
  await styleLoaded;
  if (!map.getSource("boundary")) addLayers(map);
  live.start(); // start listening first, so nothing raised during the load is lost
  const basemap = loadBasemap(map).then(() => {
    mapEl.dataset.ready = "true";
    resolveReady();
  });
  await Promise.all([basemap, loadPicture()]);
}

async function loadPicture(): Promise<void> {
  const [sensors, tracks, crossings, alerts, assets] = await Promise.all([
    get<Sensor[]>("/sensors").catch(() => [] as Sensor[]),
    get<TrackUpdate[]>("/tracks").catch(() => [] as TrackUpdate[]),
    get<Crossing[]>("/crossings").catch(() => [] as Crossing[]),
    get<Alert[]>("/alerts").catch(() => [] as Alert[]),
    get<Asset[]>("/assets").catch(() => [] as Asset[]),
  ]);
  responders.setAll(assets);
  setData(map, "coverage", sensorFeatures(sensors));
  if (mode === "live") picture.setTracks(tracks, true);
  for (const c of crossings) picture.crossings.set(c.crossing_id, c);
  for (const a of alerts) picture.addAlert(a);
  picture.redraw();
  if (panel.alertId) void panel.refresh();
  for (const x of [...tracks, ...crossings, ...alerts])
    if (Number.isFinite(x.t_s)) earliest_t_s = Math.min(earliest_t_s, x.t_s);
  extendSlider();
}

// --- map interaction -------------------------------------------------------------------

map.on("click", "tracks", (e) => {
  const id = e.features?.[0]?.properties?.track_id as string | undefined;
  if (id) void detail.open(id);
});
const HOVER_LAYERS = ["assets", "tracks", "ports", "sensors", "crossings"];
for (const layer of HOVER_LAYERS) {
  map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", layer, () => {
    map.getCanvas().style.cursor = "";
    tip.hidden = true;
  });
}
// Labels are HTML (the style has no glyphs): a tooltip follows the pointer.
const tip = document.createElement("div");
tip.id = "map-tip";
tip.hidden = true;
mapEl.append(tip);
map.on("mousemove", (e) => {
  const layers = HOVER_LAYERS.filter((l) => map.getLayer(l));
  const f = layers.length ? map.queryRenderedFeatures(e.point, { layers })[0] : undefined;
  if (!f) {
    tip.hidden = true;
    return;
  }
  const p = f.properties ?? {};
  tip.textContent =
    f.layer.id === "ports"
      ? `Port of entry: ${p.port_name ?? ""} (${p.port_code ?? ""}) ${p.state ?? ""}`
      : f.layer.id === "sensors"
        ? `Sensor ${p.name || p.sensor_id} · ${p.kind} · ${(Number(p.range_m) / 1000).toFixed(1)} km`
        : f.layer.id === "crossings"
          ? `Crossing ${p.direction} by ${p.track_id}`
          : f.layer.id === "assets"
            ? `${p.name || p.asset_id} · ${String(p.kind).replace(/_/g, " ")} · ${String(p.status).replace(/_/g, " ")}`
            : `Track ${p.track_id} · ${p.colour_key}`;
  tip.style.left = `${e.point.x + 12}px`;
  tip.style.top = `${e.point.y + 12}px`;
  tip.hidden = false;
});
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");

// --- replay ----------------------------------------------------------------------------

const slider = $<HTMLInputElement>("replay-slider");
const liveButton = $<HTMLButtonElement>("replay-live");
let earliest_t_s = Infinity;
let replayTimer: number | undefined;

function extendSlider(): void {
  const latest = picture.latest_t_s;
  if (!(latest > 0)) return;
  const start = Math.min(Number.isFinite(earliest_t_s) ? earliest_t_s : latest, latest - 3600);
  slider.min = String(Math.floor(start));
  slider.max = String(Math.ceil(latest));
  if (mode === "live") {
    slider.value = slider.max;
    $("replay-time").textContent = `live · ${fmtTime(latest)}`;
  }
}

slider.addEventListener("input", () => {
  mode = "replay";
  liveButton.dataset.mode = "replay";
  document.body.dataset.mode = "replay";
  const t_at = Number(slider.value);
  $("replay-time").textContent = `replay · ${fmtTime(t_at)}`;
  window.clearTimeout(replayTimer);
  replayTimer = window.setTimeout(async () => {
    const tracks = await get<TrackUpdate[]>(`/tracks?t_at=${t_at}`).catch(() => [] as TrackUpdate[]);
    if (mode === "replay" && Number(slider.value) === t_at) picture.setTracks(tracks, false);
  }, 150);
});

liveButton.addEventListener("click", async () => {
  mode = "live";
  liveButton.dataset.mode = "live";
  document.body.dataset.mode = "live";
  picture.setTracks(await get<TrackUpdate[]>("/tracks").catch(() => [] as TrackUpdate[]), false);
  extendSlider();
});

setInterval(() => ($("clock").textContent = fmtTime(Date.now() / 1000)), 1000);

// --- resume a session kept in this tab ----------------------------------------------------

if (token()) {
  get<User>("/me")
    .then((u) => start(u))
    .catch(() => {
      setToken(null);
      showLogin();
    });
} else {
  showLogin();
}
