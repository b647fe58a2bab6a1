//! `tofu style ...`: what the companion learned about how the person talks.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use tofu::store::Store;
use tofu::style::{self, text::documents, Background, DEFAULT_PROFILE};
use tofu::Paths;

#[derive(Debug, Subcommand)]
pub enum StyleCommand {
    /// Learn from writing the person already has (chat logs, letters, posts):
    /// each file is split into documents on blank lines or `---` lines
    Learn {
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// The profile: lengths, fillers, hedges, questions, pronouns, formality,
    /// distinctive words and phrases, topics
    Show {
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// Never learn, show or say back this word or phrase
    Exclude {
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
        phrase: String,
    },
    /// Forget what the profile learned (exclusions stay)
    Reset {
        #[arg(long, default_value = DEFAULT_PROFILE)]
        profile: String,
    },
}

pub fn run(cmd: StyleCommand, paths: &Paths) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&paths.data_dir)?;
    match cmd {
        StyleCommand::Learn { profile, files } => {
            let mut docs = Vec::new();
            for f in &files {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read {} as text", f.display()))?;
                docs.extend(documents(&text));
            }
            let started = std::time::Instant::now();
            let n = store.add_style_texts(&profile, &docs, "import", None)?;
            let model = style::load(&store, &profile)?;
            let bg = Background::load_default(&paths.model_store())?;
            let p = model.profile(&bg, &store.style_exclusions(&profile)?);
            let day = chrono::Local::now().format("%Y-%m-%d").to_string();
            store.snapshot_style(&profile, &day, &p.traits)?;
            println!(
                "learned {n} document(s) into `{profile}`: {} utterances, {} words in all",
                p.traits.utterances, p.traits.words
            );
            tracing::info!(ms = started.elapsed().as_secs_f64() * 1e3, "style learned");
        }
        StyleCommand::Show { profile, json } => {
            let model = style::load(&store, &profile)?;
            let bg = Background::load_default(&paths.model_store())?;
            let p = model.profile(&bg, &store.style_exclusions(&profile)?);
            if json {
                println!("{}", serde_json::to_string(&p)?);
                return Ok(ExitCode::SUCCESS);
            }
            let t = &p.traits;
            println!("profile\t{}", p.name);
            println!("utterances\t{}", t.utterances);
            println!("words\t{}", t.words);
            println!("vocabulary\t{}", p.vocabulary);
            println!("words per utterance\t{:.1}", t.mean_words_per_utterance);
            println!("words per sentence\t{:.1}", t.mean_words_per_sentence);
            println!("vocabulary richness\t{:.2}", t.vocabulary_richness);
            println!("questions\t{:.0}% of sentences", t.question_rate * 100.0);
            println!(
                "exclamations\t{:.0}% of sentences",
                t.exclamation_rate * 100.0
            );
            println!("fillers\t{:.1} per 100 words", t.fillers_per_100_words);
            println!("hedges\t{:.1} per 100 words", t.hedges_per_100_words);
            println!(
                "contractions\t{:.1} per 100 words",
                t.contractions_per_100_words
            );
            println!(
                "pronouns\tI {:.1}, we {:.1}, you {:.1} per 100 words",
                t.i_per_100_words, t.we_per_100_words, t.you_per_100_words
            );
            println!("formality\t{:.2}", t.formality);
            println!(
                "sentiment\t{:.0}% positive, {:.0}% negative",
                t.positive_share * 100.0,
                t.negative_share * 100.0
            );
            let list = |v: &[style::Scored]| {
                v.iter()
                    .map(|s| s.text.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            println!("distinctive words\t{}", list(&p.distinctive_words));
            println!("phrases\t{}", list(&p.phrases));
            println!("topics\t{}", p.topics.join(", "));
            if !p.excluded.is_empty() {
                println!("excluded\t{}", p.excluded.join(", "));
            }
        }
        StyleCommand::Exclude { profile, phrase } => {
            store.exclude_style_phrase(&profile, &phrase)?;
            println!(
                "`{profile}` will not learn, show or say back \"{}\"",
                phrase.trim()
            );
        }
        StyleCommand::Reset { profile } => {
            let n = store.reset_style(&profile)?;
            println!("`{profile}` forgot {n} text(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}
