import { useState } from "preact/hooks";
import { api } from "../../api";
import type { Devices, DeviceTest } from "../../bindings";
import { Icon } from "../../components/Icon";
import { StaticLevel } from "../../components/LevelMeter";
import { attempt, toastError } from "../../lib/toast";

/** The Sound card: microphone and speakers, each with a test. */
export function DeviceSettings({ devices, onChange }: { devices: Devices; onChange: (d: Devices) => void }) {
  const [micTest, setMicTest] = useState<DeviceTest | null>(null);
  const [testing, setTesting] = useState<"" | "input" | "output">("");

  const set = async (input: string | null, output: string | null) => {
    const d = await attempt(api.setDevices(input, output), "Could not change the device");
    if (d) onChange(d);
  };

  const testInput = async () => {
    setTesting("input");
    setMicTest(null);
    try {
      setMicTest(await api.testInput(devices.input));
    } catch (e) {
      toastError(e, "Microphone test failed");
    } finally {
      setTesting("");
    }
  };

  const testOutput = async () => {
    setTesting("output");
    try {
      await api.testOutput(devices.output);
    } catch (e) {
      toastError(e, "Speaker test failed");
    } finally {
      setTesting("");
    }
  };

  return (
    <>
      <label class="field">
        <span>Microphone</span>
        <select name="input-device" value={devices.input ?? ""} onChange={(e) => set(e.currentTarget.value || null, devices.output)}>
          <option value="">System default</option>
          {devices.inputs.map((d) => (
            <option key={d.id} value={d.name}>
              {d.name}
              {d.is_default ? " (default)" : ""}
            </option>
          ))}
        </select>
      </label>
      <div class="row">
        <button type="button" class="button small" data-testid="test-input" onClick={testInput} disabled={testing !== ""}>
          <Icon name="mic" size={16} />
          {testing === "input" ? "Listening…" : "Test microphone"}
        </button>
        {micTest && (
          <div class="grow" data-testid="input-test-result">
            <StaticLevel value={micTest.rms} label="Microphone test level" />
            <span class="muted small">
              {micTest.peak < 0.01 ? "Silence — is the right microphone selected?" : `Heard you on ${micTest.device}`}
            </span>
          </div>
        )}
      </div>
      <label class="field">
        <span>Speakers</span>
        <select name="output-device" value={devices.output ?? ""} onChange={(e) => set(devices.input, e.currentTarget.value || null)}>
          <option value="">System default</option>
          {devices.outputs.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <div class="row">
        <button type="button" class="button small" data-testid="test-output" onClick={testOutput} disabled={testing !== ""}>
          <Icon name="speaker" size={16} />
          {testing === "output" ? "Playing…" : "Test speakers"}
        </button>
      </div>
    </>
  );
}
