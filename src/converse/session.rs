//! A conversation that runs until it is stopped: what the desktop app holds.
//! It loads the parts on its own thread (models take seconds), runs the loop
//! ([`super::converse_with`]) and takes the person's controls while it runs:
//! mode, push-to-talk, the stop button, typed turns. Everything it does is
//! reported through one callback, as [`SessionEvent`]s.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde::Serialize;

use super::{converse_with, Inbox, LoopConfig, LoopEvent};
use crate::audio::mic::MicSource;
use crate::audio::sink::{AudioSink, SpeakerSink, WavSink};
use crate::audio::source::{AudioSource, OrSilence, Pace, WavSource};
use crate::error::{Error, Result};
use crate::hear::{Controls, Mode};
use crate::store::Store;
use crate::Paths;

/// Where the person's voice comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// A microphone by name (`None`: the system default).
    Microphone(Option<String>),
    /// A WAV file played in real time, then silence until stopped (tests,
    /// demos: a microphone with a recording in front of it).
    File(PathBuf),
}

/// Where the companion's voice goes.
#[derive(Debug, Clone)]
pub enum Output {
    /// Speakers by name (`None`: the system default).
    Speakers(Option<String>),
    /// A WAV file on the input's timeline.
    File(PathBuf),
    /// Text replies only.
    Muted,
}

#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub input: Input,
    pub output: Output,
    pub mode: Mode,
    pub profile: String,
    pub language: String,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            input: Input::Microphone(None),
            output: Output::Speakers(None),
            mode: Mode::HandsFree,
            profile: crate::style::DEFAULT_PROFILE.into(),
            language: "en".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Phase {
    Stopped,
    /// The models are loading.
    Loading,
    Listening,
    /// It could not start (or the input failed): see `error`.
    Error,
}

/// What the app shows about the session.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionState {
    pub phase: Phase,
    pub mode: Mode,
    /// Push-to-talk is held.
    pub talking: bool,
    /// What it listens to.
    pub input: String,
    /// Where it speaks (`None`: text only).
    pub output: Option<String>,
    /// What was left out, in words (e.g. no speakers: text replies).
    pub notes: Vec<String>,
    pub error: Option<String>,
    /// The companion's name.
    pub name: String,
}

impl SessionState {
    pub fn stopped(mode: Mode) -> SessionState {
        SessionState {
            phase: Phase::Stopped,
            mode,
            talking: false,
            input: String::new(),
            output: None,
            notes: Vec::new(),
            error: None,
            name: String::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub enum SessionEvent {
    State(SessionState),
    Loop(LoopEvent),
}

/// A running conversation. Dropping it stops it (and waits for the loop).
pub struct Session {
    controls: Controls,
    inbox: Inbox,
    state: Arc<Mutex<SessionState>>,
    thread: Option<JoinHandle<()>>,
}

impl Session {
    /// Starts loading and then listening; returns at once.
    pub fn start(
        paths: Paths,
        opts: SessionOptions,
        on_event: impl FnMut(SessionEvent) + Send + 'static,
    ) -> Session {
        let controls = Controls::default();
        controls.set_mode(opts.mode);
        let inbox = Inbox::default();
        let state = Arc::new(Mutex::new(SessionState {
            phase: Phase::Loading,
            ..SessionState::stopped(opts.mode)
        }));
        let thread = {
            let (controls, inbox, state) = (controls.clone(), inbox.clone(), state.clone());
            std::thread::Builder::new()
                .name("tofu-session".into())
                .spawn(move || run(paths, opts, controls, inbox, state, on_event))
                .expect("spawn a thread")
        };
        Session {
            controls,
            inbox,
            state,
            thread: Some(thread),
        }
    }

    pub fn state(&self) -> SessionState {
        lock(&self.state).clone()
    }

    pub fn set_mode(&self, mode: Mode) -> SessionState {
        self.controls.set_mode(mode);
        if mode != Mode::PushToTalk {
            self.controls.release();
        }
        let mut s = lock(&self.state);
        s.mode = mode;
        s.talking &= mode == Mode::PushToTalk;
        s.clone()
    }

    /// Push-to-talk held (`true`) or released.
    pub fn talk(&self, down: bool) -> SessionState {
        if down {
            self.controls.press();
        } else {
            self.controls.release();
        }
        let mut s = lock(&self.state);
        s.talking = down && s.mode == Mode::PushToTalk;
        s.clone()
    }

    /// The companion's new personality, from its next reply on.
    pub fn set_persona(&self, persona: crate::mind::Persona) {
        {
            let mut s = lock(&self.state);
            s.name = persona.name.clone();
        }
        self.inbox.set_persona(persona);
    }

    /// The stop button: the companion stops talking at once.
    pub fn interrupt(&self) {
        self.inbox.interrupt();
    }

    /// A typed turn. Refused unless the session is listening.
    pub fn say(&self, text: &str) -> Result<()> {
        if text.trim().is_empty() {
            return Err(Error::Invalid("there is nothing to say".into()));
        }
        if text.chars().count() > 4000 {
            return Err(Error::Invalid(
                "that is too long to say at once (4000 characters at most)".into(),
            ));
        }
        match lock(&self.state).phase {
            Phase::Listening => {
                self.inbox.say(text);
                Ok(())
            }
            Phase::Loading => Err(Error::Invalid(
                "still getting ready: try again in a moment".into(),
            )),
            _ => Err(Error::Invalid(
                "not listening: start the conversation first".into(),
            )),
        }
    }

    /// Stops listening now: a reply in progress is dropped, and this waits
    /// for the loop's threads to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.inbox.stop_now();
        self.controls.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn run(
    paths: Paths,
    opts: SessionOptions,
    controls: Controls,
    inbox: Inbox,
    state: Arc<Mutex<SessionState>>,
    mut on_event: impl FnMut(SessionEvent),
) {
    let report = |on_event: &mut dyn FnMut(SessionEvent), f: &dyn Fn(&mut SessionState)| {
        let snapshot = {
            let mut s = lock(&state);
            f(&mut s);
            s.clone()
        };
        on_event(SessionEvent::State(snapshot));
    };
    report(&mut on_event, &|_| {});
    // A panic in native code while loading or listening ends the session
    // with an error the page shows, instead of a state stuck at
    // "Listening" (turns already heard are kept as they were heard).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<()> {
        paths.ensure()?;
        let mut notes = Vec::new();
        let (sink, output): (Option<Arc<dyn AudioSink>>, Option<String>) = match &opts.output {
            Output::Muted => (None, None),
            Output::File(path) => (
                Some(Arc::new(WavSink::new(path, Pace::RealTime))),
                Some(format!("file {}", path.display())),
            ),
            Output::Speakers(device) => match SpeakerSink::open(device.as_deref()) {
                Ok(s) => {
                    let name = s.describe();
                    (Some(Arc::new(s)), Some(name))
                }
                Err(e) => {
                    notes.push(format!("{e}; replies are text only"));
                    (None, None)
                }
            },
        };
        let store = Store::open(&paths.data_dir)?;
        let mut cfg = LoopConfig {
            profile: opts.profile.clone(),
            ..LoopConfig::default()
        };
        let day = chrono::Local::now().format("%Y-%m-%d").to_string();
        cfg.listen.audio_dir = Some(store.data_dir().join("audio").join(day));
        cfg.listen.stt.language = opts.language.clone();
        let parts = super::setup::load(&paths, Some(store), &cfg.profile, sink, &mut notes)?;
        let name = parts.persona.name.clone();
        let source: Box<dyn AudioSource> = match &opts.input {
            Input::File(path) => {
                let mut s = WavSource::load(path, Pace::RealTime)?;
                s.hold_open = true;
                Box::new(s)
            }
            // Without a microphone the conversation still runs (typed).
            Input::Microphone(device) => Box::new(OrSilence(Box::new(MicSource {
                device: device.clone(),
            }))),
        };
        let input = source.describe();
        report(&mut on_event, &|s| {
            s.phase = Phase::Listening;
            s.input = input.clone();
            s.output = output.clone();
            s.notes = notes.clone();
            s.name = name.clone();
        });
        converse_with(source, parts, cfg, controls, inbox, |ev| {
            on_event(SessionEvent::Loop(ev))
        })
    }))
    .unwrap_or_else(|p| {
        Err(Error::Invalid(format!(
            "the conversation stopped after a crash: {}",
            crate::error::panic_text(&*p)
        )))
    });
    match result {
        Ok(()) => report(&mut on_event, &|s| {
            s.phase = Phase::Stopped;
            s.talking = false;
        }),
        Err(e) => {
            let message = e.to_string();
            report(&mut on_event, &|s| {
                s.phase = Phase::Error;
                s.talking = false;
                s.error = Some(message.clone());
            })
        }
    }
}
