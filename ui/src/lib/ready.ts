// Tells the shell the first screen is up (its smoke test waits for this).
import { invoke } from "@tauri-apps/api/core";

export const uiReady = (models: number) => invoke<void>("ui_ready", { models });
