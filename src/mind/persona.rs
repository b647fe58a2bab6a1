//! The companion's personality: a name, a backstory, and six sliders, kept
//! in the store's settings (key `persona`). Each slider acts through the
//! prompt *and* through decoding (a 135M model ignores most instructions):
//! see `plan.rs`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Store;

/// The longest name and backstory (characters), however they are set.
pub const MAX_NAME: usize = 40;
pub const MAX_BACKSTORY: usize = 4000;

pub const SETTING_KEY: &str = "persona";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Persona {
    /// What the companion is called (and how it signs its lines).
    pub name: String,
    /// Free text: who it is, what it cares about. Goes into its system prompt.
    pub backstory: String,
    /// 0 = matter-of-fact, 1 = affectionate.
    pub warmth: f32,
    /// 0 = earnest, 1 = joking (also: more varied word choice).
    pub playfulness: f32,
    /// 0 = never asks back, 1 = usually ends with a question.
    pub curiosity: f32,
    /// 0 = one short sentence, 1 = a few sentences.
    pub verbosity: f32,
    /// 0 = casual, 1 = formal.
    pub formality: f32,
    /// 0 = its own voice, 1 = the person's own words and rhythm (the style model).
    pub mirroring: f32,
}

impl Default for Persona {
    fn default() -> Self {
        Persona {
            name: "Tofu".into(),
            backstory: "You are Tofu, a friendly companion who lives on this computer. \
                        You listen closely and remember what the person tells you."
                .into(),
            warmth: 0.7,
            playfulness: 0.4,
            curiosity: 0.5,
            verbosity: 0.3,
            formality: 0.3,
            mirroring: 0.5,
        }
    }
}

/// The sliders by name, for `set` and the UI.
pub const SLIDERS: [&str; 6] = [
    "warmth",
    "playfulness",
    "curiosity",
    "verbosity",
    "formality",
    "mirroring",
];

/// Named starting points.
pub const PRESETS: [(&str, &str); 5] = [
    ("default", "Tofu as it comes: warm, a little playful, brief"),
    (
        "listener",
        "warm and curious: short replies that ask about you",
    ),
    (
        "sparring",
        "playful and quick, teases a little, never asks much",
    ),
    ("butler", "formal, measured, a few complete sentences"),
    ("echo", "says little of its own and mirrors how you talk"),
];

impl Persona {
    pub fn preset(name: &str) -> Result<Persona> {
        let base = Persona::default();
        let p = match name {
            "default" => base,
            "listener" => Persona {
                warmth: 0.9,
                playfulness: 0.2,
                curiosity: 1.0,
                verbosity: 0.2,
                formality: 0.2,
                ..base
            },
            "sparring" => Persona {
                warmth: 0.4,
                playfulness: 1.0,
                curiosity: 0.1,
                verbosity: 0.3,
                formality: 0.0,
                ..base
            },
            "butler" => Persona {
                warmth: 0.5,
                playfulness: 0.0,
                curiosity: 0.3,
                verbosity: 0.8,
                formality: 1.0,
                ..base
            },
            "echo" => Persona {
                warmth: 0.6,
                playfulness: 0.3,
                curiosity: 0.4,
                verbosity: 0.2,
                formality: 0.2,
                mirroring: 1.0,
                ..base
            },
            other => {
                return Err(Error::Invalid(format!(
                    "no preset `{other}` (there are: {})",
                    PRESETS.map(|p| p.0).join(", ")
                )))
            }
        };
        Ok(p)
    }

    /// Applies `key=value` (a slider 0..1, `name`, or `backstory`).
    pub fn set(&mut self, assignment: &str) -> Result<()> {
        let (key, value) = assignment.split_once('=').ok_or_else(|| {
            Error::Invalid(format!(
                "`{assignment}`: write KEY=VALUE, e.g. verbosity=0.2"
            ))
        })?;
        let (key, value) = (key.trim(), value.trim());
        match key {
            "name" => {
                let name = value.trim();
                if name.is_empty() || name.chars().count() > MAX_NAME {
                    return Err(Error::Invalid(format!(
                        "the name must be 1 to {MAX_NAME} characters"
                    )));
                }
                self.name = name.to_string();
            }
            "backstory" => {
                if value.chars().count() > MAX_BACKSTORY {
                    return Err(Error::Invalid(format!(
                        "the backstory is limited to {MAX_BACKSTORY} characters"
                    )));
                }
                self.backstory = value.to_string();
            }
            slider => {
                let v: f32 = value.parse().map_err(|_| {
                    Error::Invalid(format!("{slider}: `{value}` is not a number from 0 to 1"))
                })?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(Error::Invalid(format!("{slider}: {v} is outside 0 to 1")));
                }
                *self.slider_mut(slider)? = v;
            }
        }
        Ok(())
    }

    fn slider_mut(&mut self, name: &str) -> Result<&mut f32> {
        Ok(match name {
            "warmth" => &mut self.warmth,
            "playfulness" => &mut self.playfulness,
            "curiosity" => &mut self.curiosity,
            "verbosity" => &mut self.verbosity,
            "formality" => &mut self.formality,
            "mirroring" => &mut self.mirroring,
            other => {
                return Err(Error::Invalid(format!(
                    "no setting `{other}` (there are: name, backstory, {})",
                    SLIDERS.join(", ")
                )))
            }
        })
    }

    /// Checks values that came from outside (a settings file, the UI).
    pub fn validate(&self) -> Result<()> {
        let mut copy = self.clone();
        for s in SLIDERS {
            let v = *copy.slider_mut(s)?;
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::Invalid(format!("{s}: {v} is outside 0 to 1")));
            }
        }
        if self.name.trim().is_empty() {
            return Err(Error::Invalid("the companion needs a name".into()));
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(Error::Invalid(format!(
                "the name must be 1 to {MAX_NAME} characters"
            )));
        }
        if self.backstory.chars().count() > MAX_BACKSTORY {
            return Err(Error::Invalid(format!(
                "the backstory is limited to {MAX_BACKSTORY} characters"
            )));
        }
        Ok(())
    }

    /// The persona kept in the store, or the default. One kept before
    /// names and backstories had a limit is cut to it, not refused.
    pub fn load(store: &Store) -> Result<Persona> {
        let mut p: Persona = store.setting(SETTING_KEY)?.unwrap_or_default();
        let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        p.name = cut(&p.name, MAX_NAME);
        p.backstory = cut(&p.backstory, MAX_BACKSTORY);
        p.validate()?;
        Ok(p)
    }

    pub fn save(&self, store: &mut Store) -> Result<()> {
        self.validate()?;
        store.set_setting(SETTING_KEY, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_backstories_have_a_limit_however_they_are_set() {
        let mut p = Persona {
            name: "n".repeat(MAX_NAME + 1),
            ..Persona::default()
        };
        assert!(p.validate().is_err());
        p.name = "Tofu".into();
        p.backstory = "b".repeat(MAX_BACKSTORY + 1);
        assert!(p.validate().is_err());
        p.backstory = "b".repeat(MAX_BACKSTORY);
        assert!(p.validate().is_ok());
    }

    #[test]
    fn set_checks_keys_and_ranges() {
        let mut p = Persona::default();
        p.set("verbosity=0.2").unwrap();
        p.set(" mirroring = 1 ").unwrap();
        p.set("name=Juniper").unwrap();
        assert_eq!(
            (p.verbosity, p.mirroring, p.name.as_str()),
            (0.2, 1.0, "Juniper")
        );
        assert!(p.set("verbosity=1.5").is_err());
        assert!(p.set("verbosity=loud").is_err());
        assert!(p.set("charisma=1").is_err());
        assert!(p.set("verbosity").is_err());
        assert!(p.set("name=").is_err());
        for (name, _) in PRESETS {
            Persona::preset(name).unwrap().validate().unwrap();
        }
        assert!(Persona::preset("pirate").is_err());
    }

    #[test]
    fn malformed_settings_are_refused() {
        assert!(serde_json::from_str::<Persona>(r#"{"warmth": "very"}"#).is_err());
        assert!(serde_json::from_str::<Persona>(r#"{"charisma": 1}"#).is_err());
        let p: Persona = serde_json::from_str(r#"{"warmth": 2.0}"#).unwrap();
        assert!(p.validate().is_err());
        let p: Persona = serde_json::from_str(r#"{"name": "Juniper"}"#).unwrap();
        assert_eq!(
            p.verbosity,
            Persona::default().verbosity,
            "missing keys keep defaults"
        );
    }
}
