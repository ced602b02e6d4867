// The REST and WebSocket client: every request goes to the page's own origin (/api/v1).

export const API = "api/v1";
const TOKEN_KEY = "northline.token";

export interface User {
  user_id: string;
  name: string;
  role: string;
  agency: string;
  country: string;
}

export interface Marked {
  agency?: string;
  releasability?: string;
  marking?: { agency: string; releasability: string };
}

export interface Sensor extends Marked {
  sensor_id: string;
  kind: string;
  lon: number;
  lat: number;
  range_m: number;
  name?: string;
}

export interface TrackUpdate extends Marked {
  track_id: string;
  t_s: number;
  lon: number;
  lat: number;
  vel_east_mps: number | null;
  vel_north_mps: number | null;
  sigma_m?: number | null;
  state: string;
  classification?: string;
  sector: string;
  hits?: number;
}

export interface Crossing extends Marked {
  crossing_id: string;
  track_id: string;
  t_s: number;
  lon: number;
  lat: number;
  direction: string;
  confidence: number;
  sector: string;
  port_code?: string;
}

export interface Alert extends Marked {
  alert_id: string;
  kind: string;
  t_s: number;
  track_id: string;
  lon: number;
  lat: number;
  severity: string;
  summary: string;
  sector: string;
  ref_id?: string;
  distance_m?: number | null;
  eta_s?: number | null;
  state: string;
  assignee?: string | null;
}

export interface AlertEvent {
  event_id: string;
  alert_id: string;
  t_s: number;
  action: string;
  actor: string;
  state: string;
  assignee?: string | null;
  outcome?: string | null;
  note?: string;
}

/** A responder (GET /assets): northline.response.Asset with its current tasking. */
export interface Asset extends Marked {
  asset_id: string;
  kind: string;
  name: string;
  lon: number;
  lat: number;
  home_lon?: number;
  home_lat?: number;
  status: string;
  speed_mps?: number;
  endurance_s?: number | null; // null: unlimited (inf)
  endurance_left_s?: number | null;
  range_m?: number;
  crew?: number;
  port_code?: string;
  tasked_alert_id?: string | null;
}

/** A ranked responder for an alert (GET /alerts/{id}/recommendations). */
export interface Recommendation {
  alert_id: string;
  asset_id: string;
  rank: number;
  eta_s: number | null;
  intercept_lon: number;
  intercept_lat: number;
  score: number | null;
  reasons: string[];
  on_path: boolean;
  t_s: number;
  asset_name: string;
  asset_kind: string;
  asset_status: string;
}

/** A person's decision on dispatch: accept, change or decline (an event, never changed). */
export interface DispatchDecision extends Marked {
  decision_id: string;
  alert_id: string;
  asset_id: string | null;
  action: "accept" | "change" | "decline";
  author: string;
  t_s: number;
  note: string;
  recommended_asset_id: string | null;
}

export interface AlertDetail extends Alert {
  events?: AlertEvent[];
  decisions?: DispatchDecision[];
}

export interface DispatchAnswer {
  decision: DispatchDecision;
  alert: Alert;
  asset: Asset | null;
}

export type LiveMessage =
  | { type: "track"; data: TrackUpdate }
  | { type: "crossing"; data: Crossing }
  | { type: "alert"; data: Alert }
  | { type: "alert_event"; data: AlertEvent }
  | { type: "asset"; data: Asset }
  | { type: "dispatch_decision"; data: DispatchDecision };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function releasability(r: Marked): string {
  return r.releasability ?? r.marking?.releasability ?? "";
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

let onUnauthenticated: () => void = () => {};
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${API}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status === 401 && !path.startsWith("/auth/login")) onUnauthenticated();
    throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? res.statusText);
  }
  return data as T;
}

export const get = <T>(path: string): Promise<T> => request<T>("GET", path);
export const post = <T>(path: string, body?: unknown): Promise<T> =>
  request<T>("POST", path, body ?? {});

export async function login(userId: string, password: string): Promise<User> {
  const out = await post<{ token: string; user: User }>("/auth/login", {
    user_id: userId,
    password,
  });
  setToken(out.token);
  return out.user;
}

export async function logout(): Promise<void> {
  try {
    await post<void>("/auth/logout");
  } finally {
    setToken(null);
  }
}

/** The live stream, reconnecting with backoff while signed in. */
export class Live {
  private ws: WebSocket | null = null;
  private stopped = false;
  private delay_ms = 500;

  constructor(
    private readonly onMessage: (m: LiveMessage) => void,
    private readonly onStatus: (status: "online" | "offline" | "connecting") => void,
    private readonly onReconnect: () => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect(false);
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
    this.ws = null;
    this.onStatus("offline");
  }

  private connect(again: boolean): void {
    const t = token();
    if (this.stopped || !t) return;
    const url = new URL(`${API}/live`, document.baseURI);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", t);
    this.onStatus("connecting");
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.delay_ms = 500;
      this.onStatus("online");
      if (again) this.onReconnect(); // catch up on what was missed while away
    };
    ws.onmessage = (ev) => {
      // A frame is a JSON array of messages, oldest first (one object is taken too).
      let frame: unknown;
      try {
        frame = JSON.parse(String(ev.data));
      } catch (e) {
        console.warn("bad live frame", e);
        return;
      }
      for (const message of Array.isArray(frame) ? frame : [frame]) {
        try {
          this.onMessage(message as LiveMessage);
        } catch (e) {
          console.warn("bad live message", e);
        }
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onStatus("offline");
      if (this.stopped) return;
      setTimeout(() => this.connect(true), this.delay_ms);
      this.delay_ms = Math.min(this.delay_ms * 2, 10_000);
    };
  }
}
