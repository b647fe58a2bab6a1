import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { ipc, session, settings } from "./test/ipc";

const base = {
  session_state: session({ phase: "stopped" }),
  session_start: session(),
  models_list: [
    { name: "a", kind: "stt", description: "", status: "installed", problem: null, size: 1, files: [] },
    { name: "b", kind: "tts", description: "", status: "missing", problem: null, size: 1, files: [] },
  ],
  history_conversations: [],
};

describe("App", () => {
  it("tells the shell it is ready with the number of models", async () => {
    const mock = ipc({ ...base, settings_get: settings() });
    render(<App />);
    await waitFor(() => expect(mock.called("ui_ready")).toEqual([{ cmd: "ui_ready", args: { models: 2 } }]));
    expect(screen.getByTestId("screen-conversation")).toBeTruthy();
  });

  it("shows the first-run explanation, and starts listening only after Start", async () => {
    const mock = ipc({ ...base, settings_get: settings({ first_run_done: false }), settings_first_run_done: settings() });
    render(<App />);
    const dialog = await screen.findByRole("dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(dialog.textContent).toContain("/home/test/.local/share/tofu");
    expect(mock.called("session_start")).toHaveLength(0);

    fireEvent.click(screen.getByTestId("first-run-start"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(mock.called("settings_first_run_done")).toHaveLength(1);
    await waitFor(() => expect(mock.called("session_start")).toHaveLength(1));
  });

  it("offers a bigger brain in the first run, and downloads it only when asked", async () => {
    const qwen = {
      role: "chat",
      name: "qwen2.5-1.5b-instruct",
      description: "",
      license: "Apache-2.0",
      size: 1_117_000_000,
      status: "missing",
      choice: { default: false, params: "1.5B", min_cores: 8, min_memory_gb: 16, tested_download: false, instruct: true },
      suits_this_machine: true,
      chosen: false,
    };
    const catalogue = { machine: { cores: 8, memory_gb: 16 }, entries: [qwen], offers: [qwen.name] };
    for (const accept of [false, true]) {
      const mock = ipc({
        ...base,
        settings_get: settings({ first_run_done: false }),
        settings_first_run_done: settings(),
        models_catalogue: catalogue,
        models_fetch: base.models_list,
        models_use: catalogue,
      });
      const { unmount } = render(<App />);
      const offer = await screen.findByTestId("first-run-offer");
      expect(offer.textContent).toContain("qwen2.5-1.5b-instruct");
      const box = offer.querySelector("input") as HTMLInputElement;
      expect(box.checked).toBe(false);
      if (accept) fireEvent.click(box);
      fireEvent.click(screen.getByTestId("first-run-start"));
      await waitFor(() => expect(mock.called("session_start")).toHaveLength(1));
      if (accept) {
        await waitFor(() => expect(mock.called("models_use")[0]?.args).toEqual({ role: "chat", model: qwen.name }));
        expect(mock.called("models_fetch")[0]?.args).toEqual({ name: qwen.name });
      } else {
        expect(mock.called("models_fetch")).toHaveLength(0);
        expect(mock.called("models_use")).toHaveLength(0);
      }
      unmount();
    }
  });

  it("keeps the first-run gate closed when the settings cannot be read or first-run cannot be saved", async () => {
    let attempts = 0;
    const mock = ipc({
      ...base,
      settings_get: () => {
        throw "database is locked";
      },
      settings_first_run_done: () => {
        if (++attempts === 1) throw "disk full";
        return settings();
      },
    });
    render(<App />);
    const dialog = await screen.findByTestId("first-run");
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("database is locked"));
    await new Promise((r) => setTimeout(r, 20));
    expect(mock.called("session_start")).toHaveLength(0);

    // Start fails: the dialog stays, with the error, and nothing listens.
    fireEvent.click(screen.getByTestId("first-run-start"));
    await waitFor(() => expect(screen.getAllByRole("alert").map((a) => a.textContent).join(" ")).toContain("disk full"));
    await waitFor(() => expect((screen.getByTestId("first-run-start") as HTMLButtonElement).disabled).toBe(false));
    expect(screen.getByTestId("first-run")).toBe(dialog);
    expect(mock.called("session_start")).toHaveLength(0);

    // Start again: saved this time, so listening starts.
    fireEvent.click(screen.getByTestId("first-run-start"));
    await waitFor(() => expect(screen.queryByTestId("first-run")).toBeNull());
    expect(mock.called("settings_first_run_done")).toHaveLength(2);
    await waitFor(() => expect(mock.called("session_start")).toHaveLength(1));
  });

  it("does not show the first-run dialog once done", async () => {
    const mock = ipc({ ...base, settings_get: settings({ theme: "dark" }) });
    render(<App />);
    await waitFor(() => expect(mock.called("session_start")).toHaveLength(1));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("switches screens with the nav rail and Alt+digits", async () => {
    ipc({ ...base, settings_get: settings() });
    render(<App />);
    fireEvent.click(screen.getByTestId("nav-transcripts"));
    expect(screen.getByTestId("screen-transcripts")).toBeTruthy();
    expect(screen.getByTestId("nav-transcripts").getAttribute("aria-current")).toBe("page");
    expect(screen.getByTestId("nav-conversation").getAttribute("aria-current")).toBeNull();
    fireEvent.keyDown(window, { key: "5", code: "Digit5", altKey: true });
    expect(screen.getByTestId("screen-settings")).toBeTruthy();
    fireEvent.keyDown(window, { key: "1", code: "Digit1", altKey: true });
    expect(screen.getByTestId("screen-conversation")).toBeTruthy();
  });

  it("shows a failing call as a dismissible alert", async () => {
    ipc({
      ...base,
      settings_get: settings(),
      session_start: () => {
        throw "microphone busy";
      },
    });
    render(<App />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("microphone busy");
    fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  });
});
