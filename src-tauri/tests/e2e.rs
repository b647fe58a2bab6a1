//! End to end, in the real app window: Xvfb, `tauri-driver` (WebDriver) in
//! front of WebKitWebDriver, the real engine and models, a recording played
//! as the microphone. A person's first session: read the first-run note,
//! speak, see the transcript and a reply; search the transcripts; change a
//! slider; then the app starts again and the slider is where they left it.
//! Screenshots of every screen go to `docs/screenshots/`.
//!
//! Needs Xvfb, tauri-driver and WebKitWebDriver (installed by ./dev.sh); any
//! of them missing fails the test with how to get it.

mod common;

use std::time::{Duration, Instant};

use common::*;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_session_in_the_real_window() {
    let models = models_dir();
    let (wav, reference) = speech("arctic_a0024.wav");
    let data = std::env::temp_dir().join(format!("tofu-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let voice_out = data.join("speaker.wav");
    let (_x, display) = xvfb();
    let port = 4700 + (std::process::id() % 200) as u16 * 2;

    // The first session: a recording as the microphone, a file as the speakers.
    let heard = {
        let _driver = driver(
            &display,
            port,
            &[
                ("TOFU_DATA_DIR", &data),
                ("TOFU_MODELS_DIR", &models),
                ("TOFU_DESKTOP_INPUT", &wav),
                ("TOFU_DESKTOP_OUTPUT", &voice_out),
            ],
        );
        let c = open_app(port).await;
        wait_for(&c, "[data-testid=first-run-start]", 60).await;
        screenshot(&c, "first-run").await;
        click(&c, "[data-testid=first-run-start]").await;

        // Speak: the recording plays once the models are loaded.
        let heard = wait_text(&c, "[data-testid=bubble-user] .bubble-text", 180, |_| true).await;
        let want = words(&reference);
        let got = words(&heard);
        let found = want.iter().filter(|w| got.contains(w)).count();
        assert!(
            found * 10 >= want.len() * 7,
            "the transcript on screen is far from what was said:\n  said: {reference}\n  shown: {heard}"
        );
        let reply = wait_text(
            &c,
            "[data-testid=bubble-companion] .bubble-text",
            120,
            |_| true,
        )
        .await;
        assert!(
            words(&reply).len() >= 2,
            "the reply is empty or one word: {reply:?}"
        );
        // The orb settles back to listening once the reply is spoken.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let state = wait_for(&c, "[data-testid=orb]", 5)
                .await
                .attr("data-state")
                .await
                .unwrap()
                .unwrap_or_default();
            if state == "listening" || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        screenshot(&c, "conversation").await;

        // Search the transcripts for a word that was heard.
        let word = got
            .iter()
            .filter(|w| w.len() >= 5 && want.contains(w))
            .max_by_key(|w| w.len())
            .cloned()
            .expect("a long word heard right");
        click(&c, "[data-testid=nav-transcripts]").await;
        wait_for(&c, "[data-testid=screen-transcripts]", 10).await;
        wait_for(&c, "[data-testid=search]", 10)
            .await
            .send_keys(&word)
            .await
            .unwrap();
        let mark = wait_text(&c, "[data-testid=hit] mark", 20, |_| true).await;
        assert_eq!(
            mark.to_lowercase(),
            word,
            "the highlighted hit is not the word searched"
        );
        // The hit opens its conversation: both turns, the person's playable.
        click(&c, "[data-testid=hit]").await;
        let turns = c
            .find_all(Locator::Css("[data-testid=turn]"))
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut n = turns.len();
        while n < 2 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
            n = c
                .find_all(Locator::Css("[data-testid=turn]"))
                .await
                .unwrap()
                .len();
        }
        assert!(n >= 2, "the conversation shows {n} turns");
        wait_for(&c, "[data-testid=play]", 10).await;
        screenshot(&c, "transcripts").await;

        // Change a slider: it is saved at once.
        click(&c, "[data-testid=nav-personality]").await;
        wait_for(&c, "input[name=warmth]", 10).await;
        c.execute(
            "const el = document.querySelector('input[name=warmth]');
             const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
             set.call(el, '0.15');
             el.dispatchEvent(new Event('input', { bubbles: true }));
             el.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
        wait_text(&c, "[data-testid=persona-saved]", 10, |t| {
            t.contains("Saved")
        })
        .await;
        screenshot(&c, "personality").await;

        click(&c, "[data-testid=nav-you]").await;
        wait_for(&c, "[data-testid=screen-you]", 10).await;
        screenshot(&c, "you").await;
        click(&c, "[data-testid=nav-settings]").await;
        wait_for(&c, "[data-testid=models-table]", 10).await;
        screenshot(&c, "settings").await;
        c.close().await.unwrap();
        heard
    };

    // What the window said was kept, is kept.
    let store = tofu::store::Store::open(&data).unwrap();
    let persona = tofu::mind::Persona::load(&store).unwrap();
    assert!(
        (persona.warmth - 0.15).abs() < 1e-4,
        "warmth in the store: {}",
        persona.warmth
    );
    assert!(store.turn_count().unwrap() >= 2, "the turns were not kept");
    drop(store);

    // The app again, in a quiet room (a second of silence, then silence):
    // the slider is where it was left, the first-run note does not come
    // back, typing gets an answer, and what the UI may send is checked.
    let silence = data.join("silence.wav");
    write_silence(&silence);
    {
        let _driver = driver(
            &display,
            port,
            &[
                ("TOFU_DATA_DIR", &data),
                ("TOFU_MODELS_DIR", &models),
                ("TOFU_DESKTOP_INPUT", &silence),
                ("TOFU_DESKTOP_OUTPUT", &voice_out),
            ],
        );
        let c = open_app(port).await;
        wait_for(&c, "[data-testid=screen-conversation]", 60).await;
        assert!(
            c.find(Locator::Css("[data-testid=first-run-start]"))
                .await
                .is_err(),
            "the first-run note came back after it was read"
        );
        click(&c, "[data-testid=nav-personality]").await;
        let slider = wait_for(&c, "input[name=warmth]", 10).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut value = String::new();
        while Instant::now() < deadline {
            value = slider.prop("value").await.unwrap().unwrap_or_default();
            if value == "0.15" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(value, "0.15", "the warmth slider after a restart");

        // What the UI may send is checked on the Rust side, and only the
        // app's own commands may be called.
        let call = |cmd: &str, args: serde_json::Value| {
            let c = c.clone();
            let cmd = cmd.to_string();
            async move {
                c.execute_async(
                    "const [cmd, args, done] = arguments;
                     window.__TAURI_INTERNALS__.invoke(cmd, args)
                       .then(ok => done({ ok }), err => done({ err: String(err) }));",
                    vec![serde_json::json!(cmd), args],
                )
                .await
                .unwrap()
            }
        };
        let mut bad = serde_json::to_value(tofu::mind::Persona::default()).unwrap();
        bad["warmth"] = serde_json::json!(7.0);
        let r = call("persona_set", serde_json::json!({ "persona": bad })).await;
        let err = r["err"].as_str().unwrap_or_else(|| panic!("accepted: {r}"));
        assert!(err.contains("warmth"), "{err}");
        let r = call(
            "persona_set",
            serde_json::json!({ "persona": { "name": 3 } }),
        )
        .await;
        assert!(
            r["err"].is_string(),
            "a malformed persona was accepted: {r}"
        );
        let r = call(
            "history_delete_day",
            serde_json::json!({ "day": "'; DROP TABLE turns; --" }),
        )
        .await;
        assert!(
            r["err"]
                .as_str()
                .is_some_and(|e| e.contains("is not a day")),
            "{r}"
        );
        let r = call(
            "history_export",
            serde_json::json!({ "format": "json", "path": "relative.json" }),
        )
        .await;
        assert!(
            r["err"]
                .as_str()
                .is_some_and(|e| e.contains("choose a file")),
            "{r}"
        );
        // A page that was tricked cannot write outside what a save dialog
        // offers: no start-up files, no hidden folders, no other kinds of
        // file, no endless strings.
        // A stand-in home folder: were the check broken, only it is written.
        let fake_home = std::env::temp_dir().join(format!("tofu-e2e-home-{}", std::process::id()));
        std::fs::create_dir_all(fake_home.join(".config/autostart")).unwrap();
        let home = fake_home.display().to_string();
        for (format, path) in [
            ("text", format!("{home}/.bashrc")),
            ("text", format!("{home}/.config/autostart/tofu.txt")),
            ("text", format!("{home}/Documents/../.profile.txt")),
            ("json", format!("{home}/run.sh")),
            ("json", format!("/{}", "a/".repeat(5000))),
        ] {
            let r = call(
                "history_export",
                serde_json::json!({ "format": format, "path": path }),
            )
            .await;
            assert!(r["err"].is_string(), "exported to {path}: {r}");
        }
        let written: Vec<_> = walk(&fake_home);
        assert!(written.is_empty(), "files were written: {written:?}");
        let _ = std::fs::remove_dir_all(&fake_home);
        for (command, args) in [
            (
                "history_search",
                serde_json::json!({ "text": "x".repeat(100_000) }),
            ),
            (
                "history_correct",
                serde_json::json!({ "turnId": 1, "text": "y".repeat(100_000) }),
            ),
            (
                "style_exclude",
                serde_json::json!({ "phrase": "z".repeat(10_000) }),
            ),
            ("history_conversation", serde_json::json!({ "id": "1; --" })),
            ("history_delete_turn", serde_json::json!({ "turnId": -1.5 })),
            (
                "persona_set",
                serde_json::json!({ "persona": {
                    "name": "Tofu", "backstory": "b".repeat(5000), "warmth": 0.5,
                    "playfulness": 0.5, "curiosity": 0.5, "verbosity": 0.5,
                    "formality": 0.5, "mirroring": 0.5 } }),
            ),
            // The worker opens no file the page names.
            (
                "settings_set_reply",
                serde_json::json!({ "reply": {
                    "backend": "embedded", "model": "/etc/passwd", "n_ctx": 2048,
                    "endpoint": "http://127.0.0.1:11434/v1", "remote_model": "m" } }),
            ),
            (
                "settings_set_reply",
                serde_json::json!({ "reply": {
                    "backend": "openai", "model": null, "n_ctx": 2048,
                    "endpoint": "http://127.0.0.1:11434/v1", "remote_model": "m".repeat(10_000) } }),
            ),
            (
                "devices_set",
                serde_json::json!({ "input": "d".repeat(100_000), "output": null }),
            ),
            (
                "devices_test_output",
                serde_json::json!({ "device": "d".repeat(100_000) }),
            ),
            (
                "session_say",
                serde_json::json!({ "text": "w".repeat(100_000) }),
            ),
            ("models_fetch", serde_json::json!({ "name": "../../etc" })),
            ("models_delete", serde_json::json!({ "name": "../../etc" })),
        ] {
            let r = call(command, args).await;
            assert!(
                r["err"].is_string(),
                "{command} took a hostile argument: {r}"
            );
        }
        let r = call(
            "plugin:window|close",
            serde_json::json!({ "label": "main" }),
        )
        .await;
        assert!(
            r["err"].as_str().is_some_and(|e| e.contains("not allowed")),
            "a command outside the capability ran: {r}"
        );
        let store = tofu::store::Store::open(&data).unwrap();
        let persona = tofu::mind::Persona::load(&store).unwrap();
        assert!(
            (persona.warmth - 0.15).abs() < 1e-4,
            "a rejected call changed the persona"
        );
        let reply: Option<tofu::mind::backend::ReplySettings> =
            store.setting(tofu::mind::backend::SETTINGS_KEY).unwrap();
        assert!(
            reply.is_none_or(|r| r.model.is_none()),
            "a rejected call changed the reply settings"
        );
        drop(store);

        // Typing instead of talking, in the dark theme.
        click(&c, "[data-testid=nav-settings]").await;
        click(&c, "[data-testid=theme-dark]").await;
        wait_for(&c, "html[data-theme=dark]", 10).await;
        click(&c, "[data-testid=nav-conversation]").await;
        let typed = "Tell me about the north.";
        let reply = type_a_turn(&c, typed).await;
        screenshot(&c, "conversation-dark").await;
        let store = tofu::store::Store::open(&data).unwrap();
        let hits = store
            .search(
                &tofu::store::SearchQuery {
                    text: "\"about the north\"".into(),
                    ..Default::default()
                },
                Default::default(),
            )
            .unwrap();
        assert_eq!(hits.len(), 1, "the typed turn is kept: {hits:?}");
        drop(store);

        // Export (what the save dialog's path is given to): every turn, in JSON.
        let export = std::env::temp_dir().join(format!("tofu-e2e-{}.json", std::process::id()));
        let r = call(
            "history_export",
            serde_json::json!({ "format": "json", "path": export }),
        )
        .await;
        assert_eq!(r["ok"], 2, "two conversations exported: {r}");
        let json = std::fs::read_to_string(&export).unwrap();
        assert!(
            json.contains(typed) && json.contains(&heard),
            "the export lacks turns"
        );
        let _ = std::fs::remove_file(&export);

        click(&c, "[data-testid=nav-settings]").await;
        // The page grows as its cards load: click once it has settled.
        wait_for(&c, "[data-testid=models-table] tbody tr", 20).await;

        // Diagnostics: shown as copied, about the install, none of the words.
        click(&c, "[data-testid=copy-diagnostics]").await;
        let report = wait_text(&c, "[data-testid=diagnostics]", 30, |t| {
            t.contains("audio output devices")
        })
        .await;
        assert!(report.starts_with("tofu-desktop "), "{report}");
        assert!(
            report.contains("whisper-base (speech-to-text): installed"),
            "{report}"
        );
        // The log file (beside this explicit data folder): the app's start
        // and whisper.cpp's own messages, never a word that was said.
        let logs: String = walk(&data.join("logs"))
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        assert!(logs.contains("Tofu app starting"), "{logs}");
        assert!(logs.contains("whisper_"), "whisper.cpp's messages: {logs}");
        // (Whole turns: single words like "system" can be in both.)
        for said in [typed, "about the north", heard.trim(), reply.trim()] {
            assert!(
                !report.contains(said),
                "a turn is in the diagnostics: {said}"
            );
            assert!(!logs.contains(said), "a turn is in the log file: {said}");
        }

        // Forget everything: asked twice, then nothing is left but a fresh start.
        click(&c, "[data-testid=forget-everything]").await;
        wait_for(&c, "[data-testid=confirm-input]", 10)
            .await
            .send_keys("forget")
            .await
            .unwrap();
        click(&c, "[data-testid=confirm-ok]").await;
        wait_for(&c, "[data-testid=first-run-start]", 30).await;
        c.close().await.unwrap();
    }
    let store = tofu::store::Store::open(&data).unwrap();
    assert_eq!(
        store.turn_count().unwrap(),
        0,
        "turns are left after forgetting"
    );
    let persona = tofu::mind::Persona::load(&store).unwrap();
    assert_eq!(persona, tofu::mind::Persona::default());
    assert!(
        !data.join("audio").exists(),
        "recordings are left after forgetting"
    );
    let _ = std::fs::remove_dir_all(&data);
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
