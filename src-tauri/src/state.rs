//! What the shell holds: where the data lives, one open store for the
//! commands, the running conversation (if any) and the app's own
//! preferences. Commands borrow it through `State<'_, App>`.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter};
use tofu::converse::session::{Input, Output, Session, SessionEvent, SessionOptions, SessionState};
use tofu::hear::Mode;
use tofu::store::Store;
use tofu::Paths;

/// Event names (the UI subscribes in `ui/src/api.ts`).
pub const LOOP_EVENT: &str = "tofu://loop";
pub const SESSION_EVENT: &str = "tofu://session";
pub const MODEL_PROGRESS_EVENT: &str = "tofu://model-progress";

/// The app's own preferences (setting `app`): the devices the person
/// picked, the theme, whether the first-run explanation was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub input_device: Option<String>,
    pub output_device: Option<String>,
    pub theme: crate::bindings::Theme,
    pub first_run_done: bool,
}

pub const PREFS_KEY: &str = "app";

pub struct App {
    pub paths: Paths,
    store: Mutex<Option<Store>>,
    session: Mutex<Option<Session>>,
    mode: Mutex<Mode>,
    /// Test and demo overrides: a WAV file as the microphone
    /// (`TOFU_DESKTOP_INPUT`) and as the speakers (`TOFU_DESKTOP_OUTPUT`).
    pub input_file: Option<PathBuf>,
    pub output_file: Option<PathBuf>,
}

pub type Cmd<T> = Result<T, String>;

/// Errors cross to the UI as their message.
pub fn msg(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl App {
    pub fn new(paths: Paths) -> App {
        let file = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        App {
            paths,
            store: Mutex::new(None),
            session: Mutex::new(None),
            mode: Mutex::new(Mode::HandsFree),
            input_file: file("TOFU_DESKTOP_INPUT"),
            output_file: file("TOFU_DESKTOP_OUTPUT"),
        }
    }

    /// Runs `f` on the store, opening it on first use (and again after
    /// "forget everything").
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> tofu::Result<R>) -> Cmd<R> {
        let mut guard = lock(&self.store);
        if guard.is_none() {
            self.paths.ensure().map_err(msg)?;
            *guard = Some(Store::open(&self.paths.data_dir).map_err(msg)?);
        }
        f(guard.as_mut().expect("opened above")).map_err(msg)
    }

    /// Stops the conversation, then forgets everything while holding the
    /// store, so no command reopens the database halfway.
    pub fn forget_everything(&self) -> Cmd<()> {
        self.stop_session();
        let mut store = lock(&self.store);
        store.take();
        tofu::forget::forget_everything(&self.paths, &mut |n| tracing::warn!("forget: {n}"))
            .map_err(msg)?;
        Ok(())
    }

    pub fn prefs(&self) -> Cmd<Prefs> {
        self.with_store(|s| Ok(s.setting::<Prefs>(PREFS_KEY)?.unwrap_or_default()))
    }

    pub fn update_prefs(&self, f: impl FnOnce(&mut Prefs)) -> Cmd<Prefs> {
        self.with_store(|s| {
            let mut p = s.setting::<Prefs>(PREFS_KEY)?.unwrap_or_default();
            f(&mut p);
            s.set_setting(PREFS_KEY, &p)?;
            Ok(p)
        })
    }

    pub fn session_state(&self) -> SessionState {
        match lock(&self.session).as_ref() {
            Some(s) => s.state(),
            None => SessionState::stopped(*lock(&self.mode)),
        }
    }

    /// Starts the conversation unless it runs already.
    pub fn start_session(&self, app: &AppHandle) -> Cmd<SessionState> {
        let prefs = self.prefs()?;
        let mut session = lock(&self.session);
        if let Some(s) = session.as_ref() {
            let state = s.state();
            if matches!(
                state.phase,
                tofu::converse::session::Phase::Loading | tofu::converse::session::Phase::Listening
            ) {
                return Ok(state);
            }
        }
        // A session that ended (or failed) is replaced.
        session.take();
        let opts = SessionOptions {
            input: match &self.input_file {
                Some(f) => Input::File(f.clone()),
                None => Input::Microphone(prefs.input_device.clone()),
            },
            output: match &self.output_file {
                Some(f) => Output::File(f.clone()),
                None => Output::Speakers(prefs.output_device.clone()),
            },
            mode: *lock(&self.mode),
            ..SessionOptions::default()
        };
        let app = app.clone();
        let s = Session::start(self.paths.clone(), opts, move |ev| match ev {
            SessionEvent::State(s) => {
                let _ = app.emit(SESSION_EVENT, s);
            }
            SessionEvent::Loop(e) => {
                let _ = app.emit(LOOP_EVENT, e);
            }
        });
        let state = s.state();
        *session = Some(s);
        Ok(state)
    }

    /// Stops the conversation (waits for it).
    /// A conversation is running (or loading).
    pub fn session_running(&self) -> bool {
        lock(&self.session).is_some()
    }

    pub fn stop_session(&self) -> SessionState {
        let s = lock(&self.session).take();
        if let Some(s) = s {
            s.stop();
        }
        SessionState::stopped(*lock(&self.mode))
    }

    /// Runs `f` on the running session.
    pub fn with_session<R>(&self, f: impl FnOnce(&Session) -> R) -> Cmd<R> {
        match lock(&self.session).as_ref() {
            Some(s) => Ok(f(s)),
            None => Err("not listening: start the conversation first".into()),
        }
    }

    pub fn set_mode(&self, mode: Mode) -> SessionState {
        *lock(&self.mode) = mode;
        match lock(&self.session).as_ref() {
            Some(s) => s.set_mode(mode),
            None => SessionState::stopped(mode),
        }
    }

    /// Restarts a running session so that new settings (persona, voice,
    /// reply backend, devices) take effect.
    pub fn restart_session(&self, app: &AppHandle) -> Cmd<()> {
        let running = lock(&self.session).is_some();
        if running {
            self.stop_session();
            self.start_session(app)?;
        }
        Ok(())
    }
}
