import { useEffect, useRef } from "preact/hooks";
import type { Level } from "../lib/session";
import type { Store } from "../lib/store";

/** rms (0..1) as a bar. Levels arrive ~20/s; the bar is written at most once a frame. */
export function LevelMeter({ level, label = "Microphone level" }: { level: Store<Level>; label?: string }) {
  const bar = useRef<HTMLSpanElement>(null);
  const meter = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let frame = 0;
    const paint = () => {
      frame = 0;
      const { rms } = level.get();
      // Speech rms is small; a gentle curve makes quiet talk visible.
      const width = Math.min(1, Math.sqrt(Math.max(0, rms)) * 1.6);
      if (bar.current) bar.current.style.width = `${(width * 100).toFixed(1)}%`;
      if (meter.current) meter.current.setAttribute("aria-valuenow", String(Math.round(width * 100)));
    };
    paint();
    const off = level.subscribe(() => {
      if (!frame) frame = requestAnimationFrame(paint);
    });
    return () => {
      off();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [level]);
  return (
    <div
      class="level"
      data-testid="level"
      ref={meter}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={0}
    >
      <span class="level-bar" ref={bar} />
    </div>
  );
}

/** A static level bar (device tests). */
export function StaticLevel({ value, label }: { value: number; label: string }) {
  const width = Math.min(1, Math.sqrt(Math.max(0, value)) * 1.6);
  return (
    <div class="level" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(width * 100)}>
      <span class="level-bar" style={{ width: `${(width * 100).toFixed(1)}%` }} />
    </div>
  );
}
