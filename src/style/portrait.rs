//! The style portrait the app shows: the profile as it stands, and how its
//! traits moved over time (one snapshot a day, taken when it is looked at
//! or learned into).

use serde::Serialize;

use super::traits::Traits;
use super::{load, Background, Profile};
use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StyleSnapshot {
    /// The local day, `YYYY-MM-DD`.
    pub at: String,
    pub traits: Traits,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "StylePortrait"))]
pub struct Portrait {
    pub profile: Profile,
    /// Oldest first.
    pub history: Vec<StyleSnapshot>,
}

/// The portrait of `profile`, after keeping today's snapshot (when anything
/// has been learned).
pub fn portrait(store: &mut Store, profile: &str, bg: &Background) -> Result<Portrait> {
    let model = load(store, profile)?;
    let p = model.profile(bg, &store.style_exclusions(profile)?);
    if p.traits.utterances > 0 {
        let day = chrono::Local::now().format("%Y-%m-%d").to_string();
        store.snapshot_style(profile, &day, &p.traits)?;
    }
    let history = store
        .style_history::<Traits>(profile)?
        .into_iter()
        .map(|(at, traits)| StyleSnapshot { at, traits })
        .collect();
    Ok(Portrait {
        profile: p,
        history,
    })
}
