//! Building the mind and the style it mirrors from the person's settings:
//! one place for the app's session, `tofu listen`, `tofu chat` and `tofu
//! reply`, so they answer alike.

use std::sync::{Arc, OnceLock};

use super::backend::{ReplySettings, SETTINGS_KEY};
use super::rules::Lexicon;
use super::{BackendKind, Mind};
use crate::catalogue::{chosen, resolve, Role};
use crate::error::Result;
use crate::store::Store;
use crate::style::{Background, StyleModel};
use crate::Paths;

/// English words for judging replies (see [`super::rules`]), read once per
/// process. `None` when the word list is not provisioned (then no word is
/// judged invented).
pub fn lexicon(paths: &Paths) -> Option<Arc<Lexicon>> {
    static LEXICON: OnceLock<Option<Arc<Lexicon>>> = OnceLock::new();
    LEXICON
        .get_or_init(|| match Lexicon::english(&paths.model_store()) {
            Ok(l) => Some(Arc::new(l)),
            Err(e) => {
                tracing::warn!("not judging invented words: {e}");
                None
            }
        })
        .clone()
}

/// The mind with `settings` (`None`: the person's), its backend not yet
/// started.
pub fn mind(
    paths: &Paths,
    store: &Store,
    settings: Option<ReplySettings>,
    profile: &str,
) -> Result<Mind> {
    let mut settings: ReplySettings = match settings {
        Some(s) => s,
        None => store.setting(SETTINGS_KEY)?.unwrap_or_default(),
    };
    // The chat model the person chose (`chat_model`); a GGUF named in the
    // reply settings themselves (`tofu llm set model=`) comes first.
    if settings.backend == BackendKind::Embedded && settings.model.is_none() {
        if let Some(c) = chosen(store, Role::Chat)? {
            let path = resolve(&paths.model_store(), Role::Chat, &c).map_err(|e| {
                crate::Error::Invalid(format!(
                    "the chat model chosen in Settings (chat_model = {c}) cannot be used: {e}. \
                     `tofu models use chat default` goes back to the default model"
                ))
            })?;
            settings.model = Some(path);
        }
    }
    let remix = match settings.backend {
        BackendKind::Remix => Some(crate::style::load(store, profile)?),
        _ => None,
    };
    let backend = settings.backend(&paths.data_dir, &paths.model_store(), remix)?;
    let mind = Mind::new(backend, settings.n_ctx as usize);
    Ok(match lexicon(paths) {
        Some(l) => mind.with_lexicon(l),
        None => mind,
    })
}

/// The person's style and general English, for mirroring at `mirroring`
/// (`None` below 0.05). Without the English word frequencies there is no
/// mirroring, and `notes` hears why.
pub fn style(
    paths: &Paths,
    store: &Store,
    profile: &str,
    mirroring: f32,
    notes: &mut dyn FnMut(String),
) -> Result<Option<(StyleModel, Arc<Background>)>> {
    if mirroring < 0.05 {
        return Ok(None);
    }
    let model = crate::style::load(store, profile)?;
    match Background::load_default(&paths.model_store()) {
        Ok(bg) => Ok(Some((model, Arc::new(bg)))),
        Err(e) => {
            notes(format!("not mirroring your style: {e}"));
            Ok(None)
        }
    }
}
