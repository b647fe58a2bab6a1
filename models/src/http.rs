//! Resumable downloads with progress.
//!
//! A download goes to `DEST.partial`; an interrupted one is resumed with an
//! HTTP Range request, and only a complete file is renamed into place. Progress
//! is a bar on a terminal and a few log lines elsewhere (CI logs, the app).

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{ModelError, Result};

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        // A stalled server must not hang provisioning forever.
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_recv_body(None)
        .user_agent(concat!("tofu/", env!("CARGO_PKG_VERSION")))
        // The operating system's certificate store: corporate proxies and
        // mirrors with their own CA work like they do for every other program.
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
}

/// GETs a small text resource (an index page).
pub(crate) fn get_text(agent: &ureq::Agent, url: &str, accept: &str) -> Result<String> {
    let fail = |reason: String| ModelError::Download {
        url: url.to_string(),
        reason,
    };
    let mut resp = agent
        .get(url)
        .header("Accept", accept)
        .call()
        .map_err(|e| fail(e.to_string()))?;
    resp.body_mut()
        .read_to_string()
        .map_err(|e| fail(e.to_string()))
}

/// The most a download of unknown size may bring (the largest model
/// Tofu offers is under 3 GB).
pub(crate) const MAX_UNSIZED: u64 = 8 << 30;

/// Downloads `url` to `dest`, resuming a previous partial download.
/// `expected_size`, when known, is checked before the file is moved into place.
pub(crate) fn download(
    agent: &ureq::Agent,
    url: &str,
    dest: &Path,
    expected_size: Option<u64>,
    observer: &crate::fetch::OnProgress,
) -> Result<()> {
    let fail = |reason: String| ModelError::Download {
        url: url.to_string(),
        reason,
    };
    let partial = partial_path(dest);
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).map_err(|e| ModelError::io(parent, e))?;
    }
    let mut have = fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    if expected_size.is_some_and(|size| have > size) {
        have = 0;
    }
    let mut req = agent.get(url);
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
    }
    let resp = req.call().map_err(|e| fail(e.to_string()))?;
    let resumed = have > 0 && resp.status().as_u16() == 206;
    if !resumed {
        have = 0;
    }
    let body_len = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let total = expected_size.or(body_len.map(|n| n + have));

    let mut out = OpenOptions::new()
        .create(true)
        .write(true)
        .append(resumed)
        .truncate(!resumed)
        .open(&partial)
        .map_err(|e| ModelError::io(&partial, e))?;

    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let progress = Progress::new(&name, total, have);
    let mut reader = resp.into_body().into_reader();
    let mut buf = vec![0u8; 256 * 1024];
    let mut done = have;
    let mut last_report = Instant::now();
    if let Some(f) = &observer.0 {
        f(&name, done, total);
    }
    loop {
        let n = reader.read(&mut buf).map_err(|e| {
            fail(format!(
                "{e} after {done} bytes (run the command again to resume)"
            ))
        })?;
        if n == 0 {
            break;
        }
        // Nothing past what is expected is written: a server that sends
        // more (by mistake or to fill the disk) is cut off at once.
        let limit = expected_size.unwrap_or(MAX_UNSIZED);
        if done + n as u64 > limit {
            drop(out);
            let _ = fs::remove_file(&partial);
            return Err(fail(format!(
                "the server sent more than the {limit} bytes expected"
            )));
        }
        out.write_all(&buf[..n])
            .map_err(|e| ModelError::io(&partial, e))?;
        done += n as u64;
        progress.set(done);
        // At most ten reports a second (each one is an event for the app).
        if let Some(f) = &observer.0 {
            if last_report.elapsed() >= std::time::Duration::from_millis(100) {
                last_report = Instant::now();
                f(&name, done, total);
            }
        }
    }
    out.sync_all().map_err(|e| ModelError::io(&partial, e))?;
    drop(out);
    progress.finish(done);
    if let Some(f) = &observer.0 {
        f(&name, done, total);
    }
    if let Some(size) = expected_size {
        if done != size {
            return Err(fail(format!(
                "got {done} bytes, expected {size} (run the command again to resume)"
            )));
        }
    }
    crate::durable::rename_durably(&partial, dest).map_err(|e| ModelError::io(dest, e))?;
    Ok(())
}

pub(crate) fn partial_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!("{name}.partial"))
}

/// A progress bar on a terminal; otherwise a log line at each quarter.
struct Progress {
    bar: Option<ProgressBar>,
    name: String,
    total: Option<u64>,
    started: Instant,
    start_bytes: u64,
    next_report: std::cell::Cell<u64>,
}

impl Progress {
    fn new(name: &str, total: Option<u64>, have: u64) -> Progress {
        let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            let bar = match total {
                Some(t) => ProgressBar::new(t),
                None => ProgressBar::new_spinner(),
            };
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:32!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(name.to_string());
            bar.set_position(have);
            Some(bar)
        } else {
            eprintln!(
                "  downloading {name}{}{}",
                total
                    .map(|t| format!(" ({:.1} MB)", t as f64 / 1e6))
                    .unwrap_or_default(),
                if have > 0 {
                    format!(", resuming at {:.1} MB", have as f64 / 1e6)
                } else {
                    String::new()
                }
            );
            None
        };
        Progress {
            bar,
            name: name.to_string(),
            total,
            started: Instant::now(),
            start_bytes: have,
            next_report: std::cell::Cell::new(total.map(|t| t / 4).unwrap_or(u64::MAX)),
        }
    }

    fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        } else if let Some(total) = self.total {
            if done >= self.next_report.get() && done < total {
                eprintln!("  {}: {}%", self.name, done * 100 / total.max(1));
                self.next_report.set(self.next_report.get() + total / 4);
            }
        }
    }

    fn finish(&self, done: u64) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let mb = (done - self.start_bytes) as f64 / 1e6;
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!(
            "  {}: {:.1} MB in {:.1} s ({:.1} MB/s)",
            self.name,
            mb,
            secs,
            mb / secs
        );
    }
}
