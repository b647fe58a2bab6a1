//! Loading what the loop runs on, the same way for the CLI, the benchmark
//! and the app: the speech model, the mind with the person's settings, the
//! voice, and the style model. What cannot load is said, and the loop runs
//! without it where it can (text-only replies, no mirroring).

use std::sync::Arc;

use super::Parts;
use crate::audio::sink::AudioSink;
use crate::catalogue::Role;
use crate::error::Result;
use crate::mind::backend::{ReplySettings, SETTINGS_KEY as REPLY_KEY};
use crate::mind::{Mind, Persona};
use crate::store::Store;
use crate::stt::SpeechModel;
use crate::tts::{self, VoiceSettings};
use crate::Paths;

/// Loads the parts. `store`: where turns are kept (`None`: nothing is).
/// Notes about what was left out go to `notes`.
pub fn load(
    paths: &Paths,
    store: Option<Store>,
    profile: &str,
    sink: Option<Arc<dyn AudioSink>>,
    notes: &mut Vec<String>,
) -> Result<Parts> {
    let models = paths.model_store();
    let stt = Arc::new(match &store {
        Some(s) => SpeechModel::load(&crate::catalogue::path(s, &models, Role::Speech)?)?,
        None => SpeechModel::load_default(&models)?,
    });
    let mut store = store;
    if let Some(s) = store.as_mut() {
        super::recover::recover_noting(s, &stt, profile, notes);
    }
    let (persona, reply, voice_settings) = match &store {
        Some(s) => (
            Persona::load(s)?,
            s.setting::<ReplySettings>(REPLY_KEY)?.unwrap_or_default(),
            s.setting::<VoiceSettings>(tts::SETTINGS_KEY)?
                .unwrap_or_default(),
        ),
        None => Default::default(),
    };
    let (style, mut mind) = match &store {
        Some(s) => (
            crate::mind::load::style(paths, s, profile, persona.mirroring, &mut |n| notes.push(n))?,
            crate::mind::load::mind(paths, s, Some(reply), profile)?,
        ),
        None => {
            let backend = reply.backend(&paths.data_dir, &models, None)?;
            let mind = Mind::new(backend, reply.n_ctx as usize);
            let mind = match crate::mind::load::lexicon(paths) {
                Some(l) => mind.with_lexicon(l),
                None => mind,
            };
            (None, mind)
        }
    };
    let hints = style.as_ref().map(|(m, bg)| {
        let m = Arc::new(m.clone());
        m.hints(bg, "", persona.mirroring)
    });
    if let Err(e) = mind.warm_up(&persona, hints.as_ref()) {
        notes.push(format!(
            "the reply model is not ready ({e}); replies may fall back"
        ));
    }
    let voice = match &sink {
        Some(_) => {
            let (v, fell_back) = tts::load(&voice_settings, &models)?;
            if let Some(why) = fell_back {
                notes.push(format!(
                    "the Piper voice is unavailable ({why}); speaking with Flite"
                ));
            }
            Some(v)
        }
        None => None,
    };
    Ok(Parts {
        stt,
        mind,
        persona,
        voice,
        sink,
        store,
        style,
        // Used where `VadConfig::smart_turn` is on (the default).
        end_of_turn: end_of_turn(&paths.model_store(), notes),
    })
}

/// The end-of-turn model, or a note that a pause alone ends turns.
pub fn end_of_turn(
    models: &tofu_models::ModelStore,
    notes: &mut Vec<String>,
) -> Option<crate::hear::smart_turn::Judge> {
    use crate::hear::smart_turn::{Judge, SmartTurn, MODEL};
    match SmartTurn::load_default(models) {
        Ok(m) => Some(Judge::new(m)),
        Err(e) => {
            notes.push(format!(
                "the end-of-turn model is unavailable ({e}; `tofu models fetch {MODEL}`): \
                 a pause of {} ms ends a turn",
                crate::hear::VadConfig::default().end_silence_ms
            ));
            None
        }
    }
}
