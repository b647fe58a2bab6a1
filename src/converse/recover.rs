//! Recordings a crash left behind. A turn's audio is written before it is
//! transcribed, so nothing said is lost; but a crash, a kill or a closed
//! laptop between the two leaves a recording that belongs to no turn. The
//! next session that has a speech model transcribes each one into a
//! conversation of its own, at the time it was spoken, instead of leaving
//! it on disk in no history the person can see or delete.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use crate::audio::wav::read_wav_16k_mono;
use crate::audio::SAMPLE_RATE;
use crate::error::Result;
use crate::store::keep::Keeper;
use crate::store::{AudioIn, ConversationId, NewTurn, Source, Store};
use crate::stt::{SpeechModel, TranscribeOptions};

/// A recording younger than this may be one a running session is about to
/// keep (another window, `tofu listen`): left alone.
pub const MIN_AGE: Duration = Duration::from_secs(600);

/// What [`recover`] did.
#[derive(Debug, Default)]
pub struct Recovered {
    /// The conversation the recovered turns went to.
    pub conversation: Option<ConversationId>,
    pub turns: usize,
    /// Recordings in which nothing was heard (left, as `*.wav.tried`).
    pub silent: usize,
    /// Recordings that could not be read or transcribed (left, as
    /// `*.wav.tried`: never tried again, so one that crashes the process
    /// does it once).
    pub unreadable: usize,
}

/// Transcribes every recording under the data folder's `audio/` that no
/// turn refers to (older than `min_age`) into one conversation, oldest
/// first, each kept with its recording. The language is detected (the
/// session that recorded it may have used any).
pub fn recover(
    store: &mut Store,
    model: &SpeechModel,
    opts: &TranscribeOptions,
    profile: &str,
    min_age: Duration,
) -> Result<Recovered> {
    let mut found = store.orphan_audio(min_age)?;
    // Named `<session ms>-<turn>.wav` by the live loop: by name is by time.
    found.sort();
    let mut done = Recovered::default();
    let mut keeper: Option<Keeper> = None;
    for path in found {
        // Marked before whisper sees it: a recording that takes the process
        // down (native code) is tried once, not at every start.
        let tried = path.with_extension("wav.tried");
        if tofu_models::durable::rename_durably(&path, &tried).is_err() {
            done.unreadable += 1;
            continue;
        }
        let Some((t, samples)) = transcribe(&tried, model, opts) else {
            done.unreadable += 1;
            continue;
        };
        if t.text.trim().is_empty() {
            // Kept (as `.tried`): the live loop wrote it because it heard
            // speech, whatever this pass made of it.
            done.silent += 1;
            continue;
        }
        tofu_models::durable::rename_durably(&tried, &path).map_err(|e| {
            crate::error::Error::Io {
                path: tried.clone(),
                source: e,
            }
        })?;
        let (started_at, ended_at) = spoken_at(&path, samples);
        let keeper =
            keeper.get_or_insert_with(|| Keeper::starting_at(Source::Live, profile, started_at));
        let turn = NewTurn {
            language: Some(t.language.clone()),
            confidence: Some(f64::from(t.confidence)),
            model: Some(model.name()),
            ..NewTurn::user(t.text, started_at, ended_at)
        };
        keeper.keep_person(store, turn, Some(AudioIn::InDataDir(&path)))?;
        done.turns += 1;
    }
    done.conversation = keeper.and_then(|k| k.conversation());
    Ok(done)
}

/// The transcript of the recording at `path` and its length in samples;
/// `None` (logged) when it cannot be read or transcribed.
fn transcribe(
    path: &Path,
    model: &SpeechModel,
    opts: &TranscribeOptions,
) -> Option<(crate::stt::Transcript, usize)> {
    let samples = read_wav_16k_mono(path)
        .map_err(|e| tracing::warn!(%e, "a recording an interrupted session left cannot be read"))
        .ok()?;
    // A Rust panic in the bindings costs this recording, not the start.
    let heard = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        model.transcribe(&samples, opts)
    }));
    match heard {
        Ok(Ok(t)) => Some((t, samples.len())),
        Ok(Err(e)) => {
            tracing::warn!(%e, "a recording an interrupted session left was not transcribed");
            None
        }
        Err(_) => None,
    }
}

/// When the recording was spoken (ms since the epoch): it was written as
/// the turn ended.
fn spoken_at(path: &Path, samples: usize) -> (i64, i64) {
    let ended = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or_else(crate::store::now_ms, |d| d.as_millis() as i64);
    let length = (samples as f64 * 1e3 / f64::from(SAMPLE_RATE)).round() as i64;
    (ended - length, ended)
}

/// [`recover`] at the start of a session: what it did, or why it could not,
/// as a note for the person (the session goes on either way).
pub fn recover_noting(
    store: &mut Store,
    model: &SpeechModel,
    profile: &str,
    notes: &mut Vec<String>,
) {
    match recover(
        store,
        model,
        &TranscribeOptions::default(),
        profile,
        MIN_AGE,
    ) {
        Ok(r) => {
            if let (Some(c), n) = (r.conversation, r.turns) {
                notes.push(format!(
                    "{n} recording(s) an interrupted session left were transcribed into \
                     conversation {c} (tofu history show {c})"
                ));
            }
            if r.unreadable + r.silent > 0 {
                notes.push(format!(
                    "{} recording(s) an interrupted session left could not be transcribed; \
                     they stay in {} (*.wav.tried)",
                    r.unreadable + r.silent,
                    store.data_dir().join("audio").display()
                ));
            }
        }
        Err(e) => notes.push(format!(
            "recordings an interrupted session left were not transcribed ({e}); \
             they are kept and tried again next time"
        )),
    }
}
