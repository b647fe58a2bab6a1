//! The app's log file: what went wrong, kept where a person (or whoever
//! helps them) can find it after the fact. A desktop app started from a
//! launcher or at login has no terminal, so stderr alone is lost.
//!
//! - One file per day in the logs folder ([`crate::Paths::logs_dir`]),
//!   the last [`KEEP_FILES`] kept (`tracing-appender`).
//! - whisper.cpp's and ONNX Runtime's own messages arrive through
//!   `tracing` too (whisper-rs's `tracing_backend`, ort's `tracing`), so
//!   they land in the same file.
//! - A panic is written with its backtrace ([`install_panic_hook`]).
//! - Privacy: nothing the person said and no key is logged above debug
//!   level, and the file keeps info and above unless `TOFU_LOG_FILE` asks
//!   for more (the test suite's e2e run checks a typed turn never reaches it).

use std::path::Path;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::error::{Error, Result};

/// Days of logs kept (one file a day).
pub const KEEP_FILES: usize = 7;
/// The log files' names: `tofu.YYYY-MM-DD.log`.
pub const PREFIX: &str = "tofu";
pub const SUFFIX: &str = "log";

/// Logs to stderr (filter `TOFU_LOG`, else `stderr_default`) and to a daily
/// file in `dir` (filter `TOFU_LOG_FILE`, else `info`). The folder is made
/// private to its owner like the data folder: messages name files and
/// devices. Fails only if the folder cannot be made; then nothing is set up
/// and the caller may fall back to stderr alone.
pub fn init(dir: &Path, stderr_default: &str) -> Result<()> {
    crate::paths::private_dir(dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| Error::Invalid(format!("cannot log to {}: {e}", dir.display())))?;
    let filter = |var: &str, default: &str| {
        EnvFilter::try_from_env(var).unwrap_or_else(|_| EnvFilter::new(default))
    };
    // The file is written as the event happens (no background writer): a
    // panic or an abort right after a message must not lose it, and the app
    // logs a few lines a minute.
    let file = tracing_subscriber::fmt::layer()
        .with_writer(appender)
        .with_ansi(false)
        .with_filter(filter("TOFU_LOG_FILE", "info"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter("TOFU_LOG", stderr_default));
    tracing_subscriber::registry()
        .with(QuietAborts)
        .with(file)
        .with(stderr)
        .try_init()
        .map_err(|e| Error::Invalid(format!("logging was already set up: {e}")))
}

/// Drops the error whisper.cpp logs when a decode is stopped on purpose
/// (Tofu cancels partial transcriptions that new audio makes stale, and
/// whisper.cpp reports each as "failed to encode" or "failed to decode"):
/// dozens a minute that mean nothing. A decode that really fails is still
/// an error, through Tofu's own result. Put it first in a subscriber: a
/// layer that declines an event declines it for all of them.
pub struct QuietAborts;

impl<S: tracing::Subscriber> Layer<S> for QuietAborts {
    fn event_enabled(
        &self,
        event: &tracing::Event<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        if !event.metadata().target().starts_with("whisper_rs") {
            return true;
        }
        struct Message(bool);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "message" {
                    let text = format!("{v:?}");
                    self.0 |=
                        text.contains("failed to encode") || text.contains("failed to decode");
                }
            }
        }
        let mut aborted = Message(false);
        event.record(&mut aborted);
        !aborted.0
    }
}

/// Writes every panic, where it happened and its backtrace, to the log
/// (target `tofu::panic`; its message at debug level), then runs the hook
/// that was there before (the message on stderr). Threads that catch their panics (the companion, the voice,
/// the speech thread) still leave a trace this way.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let backtrace = std::backtrace::Backtrace::force_capture();
        let thread = std::thread::current();
        let at = info
            .location()
            .map_or_else(|| "an unknown place".to_string(), |l| l.to_string());
        // Where and how, at error level; the message itself only at debug:
        // a panic's message can quote the text it failed on (a slice of a
        // transcript), and nothing said goes above debug.
        tracing::error!(
            target: "tofu::panic",
            thread = thread.name().unwrap_or("unnamed"),
            "panicked at {at}\nbacktrace:\n{backtrace}"
        );
        tracing::debug!(target: "tofu::panic", "the panic's message: {}", crate::error::panic_text(info.payload()));
        previous(info);
    }));
}
