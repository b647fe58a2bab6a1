//! Live listening: a source's audio → level meter → voice activity →
//! utterances saved to disk → transcripts, as typed events.
//!
//! Threads: the source's own thread sends audio; this loop (on the caller's
//! thread) owns the turn state and emits every event; one transcription
//! thread ([`super::decoder`]) runs whisper and the pause judge, so audio
//! keeps flowing while it decodes. Partial
//! transcripts are asked for only while that thread is idle, so they never
//! delay a final one. Each utterance's audio is written to disk *before* it
//! is transcribed: a crash or a failed transcription loses nothing, and the
//! file can be transcribed again.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::decoder::{Decoder, Done, Job};
use super::vad::{EndReason, Segmenter, Utterance, VadConfig, VadEvent};
use crate::audio::level::LevelMeter;
use crate::audio::source::{AudioSource, SourceEvent};
use crate::audio::SAMPLE_RATE;
use crate::error::{Error, Result};
use crate::stt::{Segment, SpeechModel, TranscribeOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Mode {
    /// Voice activity decides when a turn starts and ends.
    HandsFree,
    /// A turn lasts while the talk control is held.
    PushToTalk,
    /// Audio is dropped.
    Mute,
}

/// Switches a running listener; cheap to clone and share with a UI or hotkey.
#[derive(Clone)]
pub struct Controls {
    mode: Arc<AtomicU8>,
    talking: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    echo: Arc<AtomicBool>,
    echo_turn: Arc<AtomicBool>,
    reply_ready: Arc<AtomicBool>,
}

impl Default for Controls {
    fn default() -> Self {
        Controls {
            mode: Arc::new(AtomicU8::new(0)),
            talking: Arc::new(AtomicBool::new(false)),
            stop: Arc::new(AtomicBool::new(false)),
            echo: Arc::new(AtomicBool::new(false)),
            echo_turn: Arc::new(AtomicBool::new(false)),
            reply_ready: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Controls {
    pub fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
    pub fn mode(&self) -> Mode {
        match self.mode.load(Ordering::SeqCst) {
            1 => Mode::PushToTalk,
            2 => Mode::Mute,
            _ => Mode::HandsFree,
        }
    }
    /// Push-to-talk: start a turn.
    pub fn press(&self) {
        self.talking.store(true, Ordering::SeqCst);
    }
    /// Push-to-talk: end the turn.
    pub fn release(&self) {
        self.talking.store(false, Ordering::SeqCst);
    }
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
    /// The companion's own voice may be in the microphone (set by the
    /// conversation loop while its speaker plays and a moment after).
    pub fn set_echo(&self, echo: bool) {
        self.echo.store(echo, Ordering::SeqCst);
    }
    /// The speech in progress is only the companion's echo (set by the
    /// conversation loop's echo gate): it ends at the first short pause
    /// once the companion is quiet.
    pub fn set_echo_turn(&self, echo_turn: bool) {
        self.echo_turn.store(echo_turn, Ordering::SeqCst);
    }
    /// The reply written ahead for the turn in progress can be heard now:
    /// a turn judged finished and held open ([`VadConfig::hold_ms`]) ends
    /// at once. (Said while no turn is held, it is forgotten.)
    pub fn reply_ready(&self) {
        self.reply_ready.store(true, Ordering::SeqCst);
    }
}

/// One finished turn of the person's speech.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Heard {
    pub text: String,
    pub language: String,
    pub confidence: f32,
    pub segments: Vec<Segment>,
    /// Seconds since listening started.
    pub start_s: f64,
    pub end_s: f64,
    /// The saved audio of the turn.
    pub audio: Option<PathBuf>,
    pub decode_ms: f64,
    pub reason: EndReason,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum HearEvent {
    /// About 20 per second.
    Level {
        rms: f32,
        peak: f32,
    },
    SpeechStarted {
        at_s: f64,
    },
    /// The turn as it will end if the pause now under way goes on (decoded
    /// while the end of the turn is still being decided): a reply can start.
    /// If the person goes on talking, a different final follows.
    Tentative {
        text: String,
        end_s: f64,
    },
    /// The turn is over (end of speech, in seconds of the stream); its
    /// final transcript follows.
    SpeechEnded {
        at_s: f64,
    },
    /// What has been said so far in the turn in progress.
    Partial {
        text: String,
        at_s: f64,
    },
    Final(Heard),
    /// Something failed; listening goes on. `audio` names a saved turn that
    /// could not be transcribed (it can be retried).
    Error {
        message: String,
        audio: Option<PathBuf>,
    },
}

#[derive(Debug, Clone)]
pub struct ListenConfig {
    pub vad: VadConfig,
    pub stt: TranscribeOptions,
    /// How often a partial transcript is attempted while someone speaks.
    pub partial_every_ms: u32,
    /// Where each turn's audio is saved; `None` keeps nothing.
    pub audio_dir: Option<PathBuf>,
    /// A turn's audio is not written when its disk has less free space than
    /// this (its words are still transcribed and kept): the database the
    /// words go to needs the room more than a recording does.
    pub min_free_bytes: u64,
    /// Decode a turn while the pause that may end it is still being timed
    /// (and report it as [`HearEvent::Tentative`]).
    pub speculate: bool,
    /// Audio comes faster than real time (a file played fast): each pause
    /// waits for its verdict before the audio after it is heard, so turns
    /// fall as they would live.
    pub lockstep: bool,
    /// Judges a short pause by the sound of the turn, then its words (fast
    /// when the person is done, patient while they think; see
    /// [`super::pause`]); `None`: the silence rule alone.
    pub end_of_turn: Option<super::smart_turn::Judge>,
    /// Words two partials in a row agree on, well before the end of the
    /// audio, become the turn's piece (see [`super::decoder::Decoder`]), so
    /// the transcript at the pause decodes only the words after them.
    pub settle_words: bool,
}

impl Default for ListenConfig {
    fn default() -> Self {
        ListenConfig {
            vad: VadConfig::default(),
            stt: TranscribeOptions::default(),
            partial_every_ms: 700,
            audio_dir: None,
            min_free_bytes: MIN_FREE_BYTES,
            speculate: true,
            lockstep: false,
            end_of_turn: None,
            settle_words: true,
        }
    }
}

/// The free space [`ListenConfig::min_free_bytes`] asks for by default.
pub const MIN_FREE_BYTES: u64 = 200 * 1024 * 1024;

/// Whether the disk holding `dir` has `min_free` bytes to spare (when it
/// cannot tell, it assumes so: writing then fails on its own, clearly).
fn room_for_audio(dir: &std::path::Path, min_free: u64) -> std::io::Result<()> {
    match fs4::available_space(dir) {
        Ok(free) if free < min_free => Err(std::io::Error::other(format!(
            "the disk holding {} has only {} MB free (Tofu keeps {} MB for your words): \
             this turn's recording is not kept, its words are; free some space",
            dir.display(),
            free / (1024 * 1024),
            min_free / (1024 * 1024)
        ))),
        _ => Ok(()),
    }
}

/// Listens until the source ends or `controls.stop()`; calls `on_event` for each event.
pub fn listen(
    source: Box<dyn AudioSource>,
    model: Arc<SpeechModel>,
    cfg: ListenConfig,
    controls: Controls,
    mut on_event: impl FnMut(HearEvent),
) -> Result<()> {
    if let Some(dir) = &cfg.audio_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io {
            path: dir.clone(),
            source: e,
        })?;
    }
    let (audio_tx, audio_rx) = mpsc::channel();
    let source_thread = source.start(audio_tx, controls.stop.clone())?;

    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let busy = Arc::new(AtomicBool::new(false));
    // Set when a partial is moot: the turn is ending, or listening stops.
    let abort_partial = Arc::new(AtomicBool::new(false));
    let worker = {
        // Words timed, so a partial's settled words can become the turn's piece.
        let settle = cfg.settle_words;
        let stt = TranscribeOptions {
            word_times: settle,
            ..cfg.stt.clone()
        };
        let busy = busy.clone();
        // Partials are moot once the turn ends; finals always complete.
        let partial_stt = TranscribeOptions {
            cancel: Some(abort_partial.clone()),
            ..stt.clone()
        };
        let decoder = Decoder {
            model,
            stt,
            partial_stt,
            busy,
            speculation: None,
            judge: cfg.end_of_turn.clone().filter(|_| cfg.vad.smart_turn),
            piece: None,
            heard: None,
            settle,
        };
        super::decoder::spawn(decoder, job_rx, done_tx)
    };

    // With a judge, a pause is judged on the speech thread (the sound,
    // then the words) while audio keeps flowing; its transcript is the
    // speculation.
    let judging = cfg.vad.smart_turn && cfg.end_of_turn.is_some();
    let mut seg = Segmenter::new(cfg.vad.clone());
    if judging {
        seg = seg.with_deferred_judge();
    }
    let mut decided = Vec::new();
    let mut pending_ask: Option<u32> = None;
    // The open question's flag: set when the person speaks again.
    let mut moot = Arc::new(AtomicBool::new(false));
    let mut meter = LevelMeter::new(SAMPLE_RATE as usize / 20);
    let mut vad_events = Vec::new();
    let mut ptt: Option<(u64, Vec<f32>)> = None;
    let mut pos: u64 = 0;
    let mut last_partial = Instant::now();
    let mut turn = 0u32;
    let session = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);

    // The speculation sent for the turn in progress: (id, audio length).
    let mut speculated: Option<(u32, usize)> = None;
    let mut speculations = 0u32;
    let mut finish_turn =
        |utt: Utterance, speculated: Option<(u32, usize)>, on_event: &mut dyn FnMut(HearEvent)| {
            turn += 1;
            abort_partial.store(true, Ordering::SeqCst);
            on_event(HearEvent::SpeechEnded { at_s: utt.end_s() });
            let audio = match &cfg.audio_dir {
                Some(dir) => {
                    let path = dir.join(format!("{session}-{turn:04}.wav"));
                    let written = room_for_audio(dir, cfg.min_free_bytes)
                        .and_then(|()| crate::audio::wav::write_wav_16k(&path, &utt.samples));
                    match written {
                        Ok(()) => Some(path),
                        Err(e) => {
                            on_event(HearEvent::Error {
                                message: format!("could not save the turn's audio: {e}"),
                                audio: None,
                            });
                            None
                        }
                    }
                }
                None => None,
            };
            busy.store(true, Ordering::SeqCst);
            let speculated = speculated
                .filter(|(_, len)| *len == utt.samples.len())
                .map(|(id, _)| id);
            let _ = job_tx.send(Job::Final {
                utt,
                audio,
                speculated,
            });
        };

    loop {
        // Faster than real time, a pause waits for its verdict (as it would
        // live, where the verdict comes before the pause is over).
        loop {
            let done = match pending_ask.is_some() && cfg.lockstep {
                true => done_rx.recv().ok(),
                false => done_rx.try_recv().ok(),
            };
            let Some(done) = done else { break };
            match done {
                Done::Event(ev) => on_event(ev),
                Done::Verdict { ask, verdict } => {
                    if pending_ask == Some(ask) {
                        pending_ask = None;
                    }
                    seg.decide(ask, verdict, &mut decided);
                    for ev in decided.drain(..) {
                        if let VadEvent::Utterance(utt) = ev {
                            finish_turn(utt, speculated.take(), &mut on_event);
                        }
                    }
                }
            }
        }
        if controls.stop.load(Ordering::SeqCst) {
            abort_partial.store(true, Ordering::SeqCst);
            break;
        }
        let msg = match audio_rx.recv_timeout(Duration::from_millis(20)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => SourceEvent::Ended,
        };
        let samples = match msg {
            SourceEvent::Audio(s) => s,
            SourceEvent::Error(message) => {
                on_event(HearEvent::Error {
                    message,
                    audio: None,
                });
                continue;
            }
            SourceEvent::Ended => break,
        };
        meter.push(&samples, |l| {
            on_event(HearEvent::Level {
                rms: l.rms,
                peak: l.peak,
            })
        });
        let at = pos;
        pos += samples.len() as u64;
        match controls.mode() {
            Mode::Mute => {
                if let Some(utt) = close_ptt(&mut ptt, EndReason::Silence) {
                    finish_turn(utt, None, &mut on_event);
                }
            }
            Mode::PushToTalk => {
                let talking = controls.talking.load(Ordering::SeqCst);
                match (&mut ptt, talking) {
                    (None, true) => {
                        on_event(HearEvent::SpeechStarted { at_s: secs(at) });
                        ptt = Some((at, samples));
                    }
                    (Some((_, buf)), true) => {
                        buf.extend_from_slice(&samples);
                        // A key held down (or stuck) makes turns of the
                        // VAD's maximum length, not an unbounded buffer.
                        let max = cfg.vad.max_utterance_ms as usize * SAMPLE_RATE as usize / 1000;
                        if buf.len() >= max {
                            let next = pos;
                            if let Some(utt) = close_ptt(&mut ptt, EndReason::MaxLength) {
                                finish_turn(utt, None, &mut on_event);
                            }
                            on_event(HearEvent::SpeechStarted { at_s: secs(next) });
                            ptt = Some((next, Vec::new()));
                        }
                    }
                    (Some(_), false) => {
                        if let Some(utt) = close_ptt(&mut ptt, EndReason::Silence) {
                            finish_turn(utt, None, &mut on_event);
                        }
                    }
                    (None, false) => {}
                }
            }
            Mode::HandsFree => {
                seg.set_echo(controls.echo.load(Ordering::SeqCst));
                seg.set_echo_turn(controls.echo_turn.load(Ordering::SeqCst));
                if controls.reply_ready.swap(false, Ordering::SeqCst) {
                    seg.release(&mut vad_events);
                    if !vad_events.is_empty() {
                        tracing::debug!(
                            at_s = secs(pos),
                            "the reply is ready: the turn held open ends"
                        );
                    }
                }
                seg.push(&samples, &mut vad_events);
                for ev in vad_events.drain(..) {
                    match ev {
                        VadEvent::SpeechStarted { at } => {
                            last_partial = Instant::now();
                            on_event(HearEvent::SpeechStarted { at_s: secs(at) });
                        }
                        VadEvent::Utterance(utt) => {
                            finish_turn(utt, speculated.take(), &mut on_event)
                        }
                        VadEvent::Paused { ask, turn, speech } => {
                            pending_ask = Some(ask);
                            moot = Arc::new(AtomicBool::new(false));
                            speculations += 1;
                            speculated = Some((speculations, speech));
                            abort_partial.store(true, Ordering::SeqCst);
                            busy.store(true, Ordering::SeqCst);
                            let start = seg.current_start().unwrap_or(0);
                            let _ = job_tx.send(Job::Judge {
                                ask,
                                id: speculations,
                                samples: turn,
                                speech,
                                start_s: secs(start),
                                moot: moot.clone(),
                            });
                        }
                    }
                }
                match seg.settled().filter(|_| cfg.speculate || judging) {
                    // Judging transcribes the turn at the pause already.
                    Some(_) if judging => {}
                    // Speaking again: the question about the pause is moot.
                    None if judging => {
                        moot.store(true, Ordering::SeqCst);
                        speculated = None;
                    }
                    Some(audio) if speculated.is_none_or(|(_, n)| n != audio.len()) => {
                        speculations += 1;
                        speculated = Some((speculations, audio.len()));
                        abort_partial.store(true, Ordering::SeqCst);
                        busy.store(true, Ordering::SeqCst);
                        let start = seg.current_start().unwrap_or(0);
                        let _ = job_tx.send(Job::Speculate {
                            id: speculations,
                            samples: audio.to_vec(),
                            start_s: secs(start),
                        });
                    }
                    Some(_) => {}
                    None => speculated = None,
                }
            }
        }
        let current = match controls.mode() {
            Mode::HandsFree => seg.current().zip(seg.current_start()),
            Mode::PushToTalk => ptt.as_ref().map(|(at, b)| (b.as_slice(), *at)),
            Mode::Mute => None,
        };
        // No partial while the turn may be ending: the worker must be free
        // for its final transcript.
        if let Some((current, start)) = current.filter(|_| speculated.is_none()) {
            if last_partial.elapsed() >= Duration::from_millis(cfg.partial_every_ms as u64)
                && !busy.swap(true, Ordering::SeqCst)
            {
                last_partial = Instant::now();
                abort_partial.store(false, Ordering::SeqCst);
                let _ = job_tx.send(Job::Partial {
                    samples: current.to_vec(),
                    start_s: secs(start),
                    at_s: secs(pos),
                });
            }
        }
    }

    // The stream is over: close the turn in progress, then wait for every transcript.
    seg.finish(&mut vad_events);
    for ev in vad_events.drain(..) {
        if let VadEvent::Utterance(utt) = ev {
            finish_turn(utt, None, &mut on_event);
        }
    }
    if let Some(utt) = close_ptt(&mut ptt, EndReason::EndOfStream) {
        finish_turn(utt, None, &mut on_event);
    }
    drop(job_tx);
    for done in done_rx {
        if let Done::Event(ev) = done {
            on_event(ev);
        }
    }
    let _ = worker.join();
    controls.stop();
    let _ = source_thread.join();
    Ok(())
}

/// Ends a push-to-talk turn, if one is open.
/// The push-to-talk turn, if it holds any audio (a key released right
/// after a turn was cut at the maximum length holds none).
fn close_ptt(ptt: &mut Option<(u64, Vec<f32>)>, reason: EndReason) -> Option<Utterance> {
    ptt.take()
        .filter(|(_, samples)| !samples.is_empty())
        .map(|(start, samples)| Utterance {
            start,
            samples,
            reason,
        })
}

fn secs(samples: u64) -> f64 {
    samples as f64 / SAMPLE_RATE as f64
}
