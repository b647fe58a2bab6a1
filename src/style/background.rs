//! General English: word frequencies from `wordfreq` (the `english-wordfreq`
//! model: a gzipped MessagePack list of 600 buckets, bucket `i` holding the
//! words whose frequency is about 10^(-i/100)).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

pub const MODEL: &str = "english-wordfreq";

pub struct Background {
    freq: HashMap<String, f64>,
    /// The frequency given to a word the list does not have.
    floor: f64,
}

impl Background {
    pub fn load_default(models: &tofu_models::ModelStore) -> Result<Background> {
        Background::load(&models.require_main(MODEL)?)
    }

    pub fn load(path: &Path) -> Result<Background> {
        let bad = |reason: String| Error::Invalid(format!("{}: {reason}", path.display()));
        let file = std::fs::File::open(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut raw)
            .map_err(|e| bad(format!("not gzip: {e}")))?;
        let value = rmpv::decode::read_value(&mut raw.as_slice())
            .map_err(|e| bad(format!("not MessagePack: {e}")))?;
        let rmpv::Value::Array(items) = value else {
            return Err(bad("not a list of buckets".into()));
        };
        let mut freq = HashMap::new();
        // items[0] is the header {"format": "cB", "version": 1}.
        for (i, bucket) in items.iter().enumerate().skip(1) {
            let f = 10f64.powf(-((i - 1) as f64) / 100.0);
            if let rmpv::Value::Array(words) = bucket {
                for w in words {
                    if let Some(s) = w.as_str() {
                        freq.entry(s.to_string()).or_insert(f);
                    }
                }
            }
        }
        if freq.len() < 1000 {
            return Err(bad(format!("only {} words", freq.len())));
        }
        let floor = freq.values().copied().fold(f64::MAX, f64::min) / 2.0;
        Ok(Background { freq, floor })
    }

    /// How often this (lower-case) word appears in general English, per word.
    pub fn freq(&self, word: &str) -> f64 {
        self.freq.get(word).copied().unwrap_or(self.floor)
    }

    pub fn contains(&self, word: &str) -> bool {
        self.freq.contains_key(word)
    }

    /// Every word of the list (in no particular order).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.freq.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.freq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.freq.is_empty()
    }
}
