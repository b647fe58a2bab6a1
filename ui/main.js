// The shell's first page: asks the engine (through the Tauri command `status`)
// which models are installed and where the data lives.
"use strict";

async function main() {
  const list = document.getElementById("models");
  const invoke = window.__TAURI__ && window.__TAURI__.core && window.__TAURI__.core.invoke;
  if (!invoke) {
    list.innerHTML = "<li>Not running inside the Tofu app.</li>";
    return;
  }
  try {
    const status = await invoke("status");
    document.getElementById("data-dir").textContent = status.data_dir;
    list.replaceChildren(
      ...status.models.map((m) => {
        const li = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = `${m.name} (${m.kind})`;
        const state = document.createElement("span");
        state.textContent = m.status;
        state.className = m.status;
        li.append(name, state);
        return li;
      }),
    );
    await invoke("ui_ready", { models: status.models.length });
  } catch (e) {
    list.innerHTML = "";
    const li = document.createElement("li");
    li.textContent = `Could not reach the engine: ${e}`;
    list.append(li);
  }
}

main();
