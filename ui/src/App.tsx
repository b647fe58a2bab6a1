import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "./api";
import type { Settings } from "./bindings";
import { ConfirmHost } from "./components/ConfirmDialog";
import { FirstRun } from "./components/FirstRun";
import { NavRail, SCREENS, type ScreenId } from "./components/NavRail";
import { Toasts } from "./components/Toasts";
import { uiReady } from "./lib/ready";
import { createSessionStore } from "./lib/session";
import { useStore } from "./lib/store";
import { applyTheme } from "./lib/theme";
import { toastError } from "./lib/toast";
import { Conversation } from "./screens/Conversation";
import { Personality } from "./screens/Personality";
import { SettingsScreen } from "./screens/Settings";
import { Transcripts } from "./screens/Transcripts";
import { You } from "./screens/You";

export function App() {
  const [screen, setScreen] = useState<ScreenId>("conversation");
  const [settings, setSettings] = useState<Settings | null>(null);
  /** Listening starts only once the first-run explanation has been read:
   * when the settings say so, or `firstRunDone()` succeeded. When the settings
   * cannot be read, the explanation stays up (its Start retries). */
  const [gate, setGate] = useState<"wait" | "first-run" | "go">("wait");
  const session = useMemo(createSessionStore, []);
  const live = useStore(session.live);

  useEffect(() => {
    applyTheme("system");
    session.connect();
    api
      .settings()
      .then((s) => {
        setSettings(s);
        applyTheme(s.theme);
        setGate(s.first_run_done ? "go" : "first-run");
      })
      .catch((e) => {
        toastError(e, "Could not load settings");
        setGate("first-run");
      });
    api
      .models()
      .then((models) => uiReady(models.length))
      .catch((e) => toastError(e, "Could not list models"));
    return () => session.dispose();
  }, [session]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const m = /^Digit([1-5])$/.exec(e.code) ?? /^([1-5])$/.exec(e.key);
      if (!m) return;
      e.preventDefault();
      setScreen(SCREENS[Number(m[1]) - 1].id);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const onSettings = (s: Settings) => {
    setSettings(s);
    applyTheme(s.theme);
  };

  return (
    <div class="app">
      <NavRail current={screen} onSelect={setScreen} orb={live.orb} />
      <main class="content" id="content">
        {screen === "conversation" && <Conversation store={session} hold={gate !== "go"} />}
        {screen === "transcripts" && <Transcripts />}
        {screen === "personality" && <Personality />}
        {screen === "you" && <You />}
        {screen === "settings" && <SettingsScreen onSettings={onSettings} />}
      </main>
      {gate === "first-run" && (
        <FirstRun
          dataDir={settings?.data_dir ?? ""}
          onDone={(s) => {
            onSettings(s);
            setGate("go");
          }}
        />
      )}
      <ConfirmHost />
      <Toasts />
    </div>
  );
}
