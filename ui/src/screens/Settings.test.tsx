import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { renderScreen } from "../test/render";
import { find, ipc, settings } from "../test/ipc";
import type { VoiceSettings } from "../bindings";
import { SettingsScreen } from "./Settings";
import { VOICE_SAVE_DELAY_MS } from "./settings/Voice";
import { freshStart } from "../lib/restart";

vi.mock("../lib/restart", () => ({ freshStart: vi.fn() }));

const base = {
  settings_get: settings(),
  devices_list: { inputs: [{ name: "USB Mic", id: "u", host: "alsa", is_default: false, default_config: null }], outputs: ["Speakers"], input: null, output: null },
  models_list: [
    { name: "whisper-base", kind: "stt", description: "", status: "installed", problem: null, size: 148_000_000, files: [] },
    { name: "piper-amy", kind: "tts", description: "", status: "missing", problem: null, size: 63_000_000, files: [] },
  ],
};

describe("Settings", () => {
  it("forget everything requires typing 'forget'", async () => {
    const mock = ipc({ ...base, forget_everything: null });
    renderScreen(<SettingsScreen />);
    fireEvent.click(await screen.findByTestId("forget-everything"));
    const ok = (await screen.findByTestId("confirm-ok")) as HTMLButtonElement;
    expect(ok.disabled).toBe(true);
    fireEvent.input(screen.getByTestId("confirm-input"), { target: { value: "forgot" } });
    expect(ok.disabled).toBe(true);
    fireEvent.click(ok);
    expect(mock.called("forget_everything")).toHaveLength(0);

    fireEvent.input(screen.getByTestId("confirm-input"), { target: { value: "forget" } });
    expect(ok.disabled).toBe(false);
    fireEvent.click(ok);
    await waitFor(() => expect(mock.called("forget_everything")).toHaveLength(1));
    // Then the page starts over: nothing from before stays on screen.
    await waitFor(() => expect(freshStart).toHaveBeenCalledTimes(1), { timeout: 2000 });
  });

  it("lists models with sizes and downloads a missing one", async () => {
    const mock = ipc({ ...base, models_fetch: base.models_list.map((m) => ({ ...m, status: "installed" })) });
    renderScreen(<SettingsScreen />);
    const table = await screen.findByTestId("models-table");
    expect(table.textContent).toContain("148 MB");
    expect(table.textContent).toContain("63.0 MB");
    fireEvent.click(screen.getByTestId("model-download"));
    await waitFor(() => expect(mock.called("models_fetch")[0]?.args).toEqual({ name: "piper-amy" }));
    await waitFor(() => expect(screen.queryByTestId("model-download")).toBeNull());
  });

  it("changes devices, theme and retention", async () => {
    const mock = ipc({
      ...base,
      devices_set: (a: { input: string | null; output: string | null }) => ({ ...base.devices_list, ...a }),
      settings_set_theme: (a: { theme: "dark" }) => settings({ theme: a.theme }),
      settings_set_retention: (a: { retention: { days: number | null } }) => settings({ retention: a.retention }),
    });
    const { container } = renderScreen(<SettingsScreen />);
    await screen.findByTestId("models-table");
    fireEvent.change(container.querySelector("select[name=input-device]")!, { target: { value: "USB Mic" } });
    await waitFor(() => expect(mock.called("devices_set")[0]?.args).toEqual({ input: "USB Mic", output: null }));

    fireEvent.click(screen.getByTestId("theme-dark"));
    await waitFor(() => expect(mock.called("settings_set_theme")[0]?.args).toEqual({ theme: "dark" }));
    expect(document.documentElement.dataset.theme).toBe("dark");

    // Retention is applied only with Apply, and a shorter time (here: from
    // forever) is confirmed first: older recordings are deleted at once.
    fireEvent.change(container.querySelector("select[name=retention]")!, { target: { value: "days" } });
    await new Promise((r) => setTimeout(r, 20));
    expect(mock.called("settings_set_retention")).toHaveLength(0);
    fireEvent.click(screen.getByTestId("retention-apply"));
    expect((await screen.findByTestId("confirm-dialog")).textContent).toContain("older than 30 days will be deleted now");
    fireEvent.click(screen.getByTestId("confirm-ok"));
    await waitFor(() => expect(mock.called("settings_set_retention")[0]?.args).toEqual({ retention: { days: 30 } }));
  });

  it("saves the voice sliders once, after the last change, not per step", async () => {
    const mock = ipc({ ...base, settings_set_voice: (a: { voice: VoiceSettings }) => settings({ voice: a.voice }) });
    const { container } = renderScreen(<SettingsScreen />);
    const rate = await find(container, "input[name=rate]");
    for (const v of ["1.05", "1.1", "1.15", "1.2"]) {
      fireEvent.input(rate, { target: { value: v } });
      fireEvent.change(rate, { target: { value: v } });
    }
    expect(container.querySelector("output")!.textContent).toBe("1.20×");
    await new Promise((r) => setTimeout(r, VOICE_SAVE_DELAY_MS / 2));
    expect(mock.called("settings_set_voice")).toHaveLength(0);
    await waitFor(() => expect(mock.called("settings_set_voice")).toHaveLength(1), { timeout: VOICE_SAVE_DELAY_MS * 3 });
    expect(mock.called("settings_set_voice")[0].args).toEqual({ voice: { voice: "piper", rate: 1.2, volume: 0.8 } });
    await new Promise((r) => setTimeout(r, VOICE_SAVE_DELAY_MS + 100));
    expect(mock.called("settings_set_voice")).toHaveLength(1);

    // Leaving the slider saves at once (and only once).
    const volume = container.querySelector<HTMLInputElement>("input[name=volume]")!;
    fireEvent.input(volume, { target: { value: "0.5" } });
    fireEvent.blur(volume);
    await waitFor(() => expect(mock.called("settings_set_voice")).toHaveLength(2));
    expect(mock.called("settings_set_voice")[1].args).toEqual({ voice: { voice: "piper", rate: 1.2, volume: 0.5 } });
    await new Promise((r) => setTimeout(r, VOICE_SAVE_DELAY_MS + 100));
    expect(mock.called("settings_set_voice")).toHaveLength(2);
    expect(container.querySelector<HTMLInputElement>("input[name=rate]")!.value).toBe("1.2");
  });

  it("applies a shorter retention only after a warning, a longer one on Enter", async () => {
    const mock = ipc({
      ...base,
      settings_get: settings({ retention: { days: 30 } }),
      settings_set_retention: (a: { retention: { days: number | null } }) => settings({ retention: a.retention }),
    });
    const { container } = renderScreen(<SettingsScreen />);
    const days = () => container.querySelector<HTMLInputElement>("input[name=retention-days]")!;
    const shown = () => container.querySelector<HTMLInputElement>("input[name=retention-days]")?.value ?? "forever";
    const apply = () => screen.getByTestId("retention-apply") as HTMLButtonElement;
    /** Saved, and the form shows the saved value with nothing to apply. */
    const settled = (value: string) =>
      waitFor(() => {
        expect(apply().textContent).toBe("Apply");
        expect(apply().disabled).toBe(true);
        expect(shown()).toBe(value);
      });
    await find(container, "input[name=retention-days]");
    await settled("30");

    for (const v of ["", "7"]) fireEvent.input(days(), { target: { value: v } });
    await new Promise((r) => setTimeout(r, 20));
    expect(mock.called("settings_set_retention")).toHaveLength(0);

    // Shorter: warned, and nothing happens on Cancel.
    fireEvent.click(apply());
    const dialog = await screen.findByTestId("confirm-dialog");
    expect(dialog.textContent).toContain("Recordings older than 7 days will be deleted now");
    expect(dialog.textContent).toContain("the text is kept");
    expect(screen.getByTestId("confirm-ok").className).toContain("danger");
    fireEvent.click(screen.getByTestId("confirm-cancel"));
    await waitFor(() => expect(screen.queryByTestId("confirm-dialog")).toBeNull());
    expect(mock.called("settings_set_retention")).toHaveLength(0);

    // Enter applies too; confirmed, it is saved.
    fireEvent.keyDown(days(), { key: "Enter" });
    await screen.findByTestId("confirm-dialog");
    fireEvent.click(screen.getByTestId("confirm-ok"));
    await waitFor(() => expect(mock.called("settings_set_retention").map((c) => c.args)).toEqual([{ retention: { days: 7 } }]));
    await settled("7");

    // Longer: nothing is deleted, so no warning.
    fireEvent.input(days(), { target: { value: "90" } });
    fireEvent.keyDown(days(), { key: "Enter" });
    await waitFor(() => expect(mock.called("settings_set_retention")).toHaveLength(2));
    expect(mock.called("settings_set_retention")[1].args).toEqual({ retention: { days: 90 } });
    expect(screen.queryByTestId("confirm-dialog")).toBeNull();
    await settled("90");

    // Forever: no warning either.
    fireEvent.change(container.querySelector("select[name=retention]")!, { target: { value: "forever" } });
    expect(mock.called("settings_set_retention")).toHaveLength(2);
    fireEvent.click(apply());
    await waitFor(() => expect(mock.called("settings_set_retention")[2]?.args).toEqual({ retention: { days: null } }));
    expect(screen.queryByTestId("confirm-dialog")).toBeNull();
    await settled("forever");
  });
});
