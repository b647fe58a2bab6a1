import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api";
import type { Settings, VoiceSettings } from "../../bindings";
import { attempt } from "../../lib/toast";

/** Saving the voice restarts the conversation (the models reload): a slider
 * being dragged or stepped is saved this long after it stops, or when it
 * loses focus. */
export const VOICE_SAVE_DELAY_MS = 600;

/** The Voice card: engine, speed and volume. */
export function VoiceForm({ voice: saved, onSaved }: { voice: VoiceSettings; onSaved: (s: Settings | undefined) => void }) {
  const [voice, setVoice] = useState(saved);
  /** What is on screen (read by the timer and on unmount). */
  const latest = useRef(saved);
  const savedRef = useRef(saved);
  const onSavedRef = useRef(onSaved);
  onSavedRef.current = onSaved;
  const timer = useRef<number | undefined>(undefined);
  const inFlight = useRef(0);
  const dirty = () => timer.current !== undefined || inFlight.current > 0;

  useEffect(() => {
    savedRef.current = saved;
    // Not while a change is waiting or being saved: that would undo it.
    if (dirty()) return;
    latest.current = saved;
    setVoice(saved);
  }, [saved]);

  const show = (v: VoiceSettings) => {
    latest.current = v;
    setVoice(v);
  };

  const save = async () => {
    window.clearTimeout(timer.current);
    timer.current = undefined;
    inFlight.current++;
    const s = await attempt(api.setVoice(latest.current), "Could not change the voice");
    inFlight.current--;
    if (s) onSavedRef.current(s);
    else if (!dirty()) show(savedRef.current);
  };

  /** Saves soon: only the last of a quick run of changes is saved. */
  const later = (v: VoiceSettings) => {
    show(v);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(save, VOICE_SAVE_DELAY_MS);
  };

  /** Saves now if a change is waiting. */
  const flush = () => {
    if (timer.current !== undefined) save();
  };

  // Leaving the screen does not lose a change that was waiting.
  useEffect(() => () => flush(), []);

  return (
    <>
      <label class="field">
        <span>Voice engine</span>
        <select
          name="voice"
          value={voice.voice}
          onChange={(e) => {
            show({ ...latest.current, voice: e.currentTarget.value });
            save();
          }}
        >
          <option value="piper">Piper (natural)</option>
          <option value="flite">Flite (light, robotic)</option>
          {!["piper", "flite"].includes(voice.voice) && <option value={voice.voice}>{voice.voice}</option>}
        </select>
      </label>
      <label class="field">
        <span class="field-row">
          Speed <output>{voice.rate.toFixed(2)}×</output>
        </span>
        <input
          type="range"
          name="rate"
          min={0.5}
          max={2}
          step={0.05}
          value={voice.rate}
          style={{ "--fill": `${((voice.rate - 0.5) / 1.5) * 100}%` }}
          onInput={(e) => later({ ...latest.current, rate: Number(e.currentTarget.value) })}
          onBlur={flush}
        />
      </label>
      <label class="field">
        <span class="field-row">
          Volume <output>{Math.round(voice.volume * 100)}%</output>
        </span>
        <input
          type="range"
          name="volume"
          min={0}
          max={1}
          step={0.05}
          value={voice.volume}
          style={{ "--fill": `${voice.volume * 100}%` }}
          onInput={(e) => later({ ...latest.current, volume: Number(e.currentTarget.value) })}
          onBlur={flush}
        />
      </label>
    </>
  );
}
