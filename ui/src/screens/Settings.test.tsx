import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { renderScreen } from "../test/render";
import { ipc, settings } from "../test/ipc";
import { SettingsScreen } from "./Settings";

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

    fireEvent.change(container.querySelector("select[name=retention]")!, { target: { value: "days" } });
    await waitFor(() => expect(mock.called("settings_set_retention")[0]?.args).toEqual({ retention: { days: 30 } }));
  });
});
