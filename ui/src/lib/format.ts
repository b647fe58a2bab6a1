// Dates and numbers for display. Timestamps from the backend are Unix milliseconds.

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** YYYY-MM-DD in local time (what `history_delete_day` expects). */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function dayLabel(key: string, now = new Date()): string {
  const today = dayKey(now.getTime());
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (key === today) return "Today";
  if (key === dayKey(y.getTime())) return "Yesterday";
  const [yy, mm, dd] = key.split("-").map(Number);
  const d = new Date(yy, mm - 1, dd);
  return d.toLocaleDateString(undefined, {
    weekday: "long",
    month: "long",
    day: "numeric",
    ...(yy !== now.getFullYear() ? { year: "numeric" } : {}),
  });
}

export function timeOfDay(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function megabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return mb >= 100 ? `${Math.round(mb)} MB` : `${mb.toFixed(1)} MB`;
}

export function num(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return "–";
  return n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function percent(share: number): string {
  if (!Number.isFinite(share)) return "–";
  return `${Math.round(share * 100)}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A snapshot's `at` is a date string; returns ms or NaN. */
export function parseWhen(at: string): number {
  const ms = Date.parse(at);
  if (!Number.isNaN(ms)) return ms;
  const n = Number(at);
  return Number.isFinite(n) ? n : NaN;
}
