//! Tofu's models: the manifest of every model the app uses, and the code that
//! provisions them into a models directory.
//!
//! - [`manifest`]: the embedded `models/manifest.toml`, parsed and checked.
//! - [`store`]: where each model's files live, and whether they are intact
//!   (size + sha256, with a stamp so a verified file is not re-hashed each start).
//! - [`fetch`]: provisioning: sources tried in order, resumable downloads with
//!   progress, registry packages as mirrors, build steps, idempotent.
//! - [`durable`]: renames that survive a power cut (the folder is synced).
//! - [`convert`]: faster-whisper (CTranslate2) → whisper.cpp ggml conversion,
//!   also offered to users who already have a faster-whisper model.
//!
//! Nothing here knows about audio or the engine; the engine asks the store for
//! a verified path and loads it.

pub mod archive;
pub mod checksum;
pub mod convert;
pub mod durable;
pub mod error;
pub mod fetch;
mod http;
pub mod manifest;
mod pypi;
pub mod store;

pub use error::ModelError;
pub use fetch::{FetchOptions, Fetcher, SourcePref};
pub use manifest::{Artifact, Manifest, ModelSpec, Source};
pub use store::{FileStatus, ModelStore};
