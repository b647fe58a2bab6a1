import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { renderScreen } from "../test/render";
import { find, ipc, settings } from "../test/ipc";
import type { Catalogue, Entry, Found, ReplySettings, VoiceSettings } from "../bindings";
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

const entry = (over: Partial<Entry>): Entry => ({
  role: "chat",
  name: "smollm2-135m",
  description: "",
  license: "Apache-2.0",
  size: 98_000_000,
  status: "installed",
  choice: { default: true, params: "135M", min_cores: 1, min_memory_gb: 2, tested_download: true, instruct: true },
  suits_this_machine: true,
  chosen: true,
  ...over,
});

const catalogue = (chosenChat = "smollm2-135m"): Catalogue => ({
  machine: { cores: 8, memory_gb: 15.5 },
  entries: [
    entry({ role: "speech", name: "whisper-base", size: 148_000_000, chosen: true }),
    entry({ name: "smollm2-135m", chosen: chosenChat === "smollm2-135m" }),
    entry({
      name: "qwen2.5-1.5b-instruct",
      size: 1_117_000_000,
      status: "missing",
      chosen: chosenChat === "qwen2.5-1.5b-instruct",
      choice: { default: false, params: "1.5B", min_cores: 8, min_memory_gb: 16, tested_download: false, instruct: true },
    }),
    entry({
      name: "llama3.2-3b-instruct",
      status: "missing",
      suits_this_machine: false,
      chosen: false,
      choice: { default: false, params: "3B", min_cores: 12, min_memory_gb: 16, tested_download: false, instruct: true },
    }),
  ],
  offers: chosenChat === "smollm2-135m" ? ["qwen2.5-1.5b-instruct"] : [],
});

describe("Settings", () => {
  it("offers a bigger model this machine suits, downloads it and uses it only on a click", async () => {
    const mock = ipc({
      ...base,
      models_catalogue: catalogue(),
      models_fetch: base.models_list,
      models_use: (a: { role: string; model: string | null }) => catalogue(a.model ?? "smollm2-135m"),
    });
    renderScreen(<SettingsScreen />);
    const brain = await screen.findByTestId("brain");
    expect(screen.getByTestId("machine").textContent).toContain("8 cores, 16 GB memory");
    expect(screen.getByTestId("machine").textContent).toContain("qwen2.5-1.5b-instruct");
    expect(brain.querySelector("[data-entry='llama3.2-3b-instruct']")!.textContent).toContain("needs a bigger machine");
    expect(mock.called("models_use")).toHaveLength(0);
    const qwen = brain.querySelector("[data-entry='qwen2.5-1.5b-instruct']")!;
    fireEvent.click(qwen.querySelector("button")!);
    await waitFor(() => expect(mock.called("models_use")[0]?.args).toEqual({ role: "chat", model: "qwen2.5-1.5b-instruct" }));
    // It was missing: downloaded first (with the Models table's progress), then used.
    expect(mock.called("models_fetch")[0]?.args).toEqual({ name: "qwen2.5-1.5b-instruct" });
    await waitFor(() => expect(brain.querySelector("[data-entry='qwen2.5-1.5b-instruct']")!.textContent).toContain("in use"));
    // Back to the default: the choice is cleared, not set to a name.
    fireEvent.click(brain.querySelector("[data-entry='smollm2-135m'] button")!);
    await waitFor(() => expect(mock.called("models_use")[1]?.args).toEqual({ role: "chat", model: null }));
  });

  it("looks for models on this computer only when asked, and uses a server on a click", async () => {
    const found: Found = {
      files: [{ path: "/home/p/.lmstudio/models/x/gemma-3-4b-it-Q4_K_M.gguf", size: 2_400_000_000, place: "LM Studio" }],
      servers: [{ name: "Ollama", endpoint: "http://127.0.0.1:11434/v1", models: ["llama3.2:3b"] }],
    };
    let onServer = false;
    const mock = ipc({
      ...base,
      models_catalogue: () => catalogue(onServer ? "" : "smollm2-135m"),
      models_discover: found,
      models_use: () => catalogue(),
      settings_set_reply: (a: { reply: ReplySettings }) => {
        onServer = true;
        return settings({ reply: a.reply });
      },
    });
    renderScreen(<SettingsScreen />);
    fireEvent.click(await screen.findByTestId("discover"));
    expect(mock.called("models_discover")).toHaveLength(1);
    const list = await screen.findByTestId("found");
    expect(list.textContent).toContain("gemma-3-4b-it-Q4_K_M.gguf");
    expect(mock.called("models_use")).toHaveLength(0);
    expect(mock.called("settings_set_reply")).toHaveLength(0);
    fireEvent.click(screen.getByText("Use llama3.2:3b"));
    await waitFor(() =>
      expect(mock.called("settings_set_reply")[0]?.args).toMatchObject({
        reply: { backend: "openai", endpoint: "http://127.0.0.1:11434/v1", remote_model: "llama3.2:3b" },
      }),
    );
    // The catalogue is asked again: no chat model of it answers now.
    await waitFor(() => expect(mock.called("models_catalogue")).toHaveLength(2));
    expect((await screen.findByTestId("chat-elsewhere")).textContent).toContain("model server");
    fireEvent.click(screen.getByText("Use for replies"));
    await waitFor(() =>
      expect(mock.called("models_use")[0]?.args).toEqual({ role: "chat", model: "/home/p/.lmstudio/models/x/gemma-3-4b-it-Q4_K_M.gguf" }),
    );
  });

  it("opens the logs folder, and shows the diagnostics it copies", async () => {
    const report = "tofu-desktop 0.1.0\ncpu features: sse4.2 avx avx2\nmodels:\n  whisper-base (stt): installed\n";
    const mock = ipc({ ...base, models_catalogue: catalogue(), diagnostics: report });
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderScreen(<SettingsScreen />);
    await waitFor(() => expect(screen.getByTestId("logs-dir").textContent).toBe("/home/test/.local/state/tofu/logs"));
    fireEvent.click(screen.getByTestId("open-logs"));
    await waitFor(() => expect(mock.called("logs_open")).toHaveLength(1));
    expect(mock.called("diagnostics")).toHaveLength(0);
    fireEvent.click(screen.getByTestId("copy-diagnostics"));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(report));
    // What was copied is on screen too: the person sees what they share.
    expect(screen.getByTestId("diagnostics").textContent).toBe(report);
  });

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

  it("imports a whisper model through the shell's own folder dialog, never a path from the page", async () => {
    let picked = false;
    const imported = [...base.models_list, { name: "whisper-import-tiny", kind: "stt", description: "", status: "installed", problem: null, size: 40_000_000, files: [] }];
    const mock = ipc({ ...base, models_import_whisper: () => (picked ? imported : null) });
    renderScreen(<SettingsScreen />);
    await screen.findByTestId("models-table");
    // Cancelled in the dialog: nothing changes.
    fireEvent.click(screen.getByTestId("import-whisper"));
    await waitFor(() => expect(mock.called("models_import_whisper")).toHaveLength(1));
    expect(mock.called("models_import_whisper")[0].args).toEqual({});
    expect(screen.getByTestId("models-table").textContent).not.toContain("whisper-import-tiny");
    picked = true;
    fireEvent.click(screen.getByTestId("import-whisper"));
    await waitFor(() => expect(screen.getByTestId("models-table").textContent).toContain("whisper-import-tiny"));
    expect(mock.called("models_import_whisper")[1].args).toEqual({});
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
