//! Used by `tests/store.rs`'s crash loop: writes turns (with audio) and
//! corrections into the store at `argv[1]` as fast as it can, printing
//! `ack <turn uid> <text>` after each turn is committed and
//! `fix <turn uid> <text>` after each correction, until it is killed.

use std::io::Write;

use tofu::store::{AudioIn, NewTurn, Source, Store};

fn main() -> tofu::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .expect("usage: store_crash_writer DATA_DIR");
    let mut store = Store::open(std::path::Path::new(&dir))?;
    let mut rng = fastrand::Rng::with_seed(std::process::id() as u64);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let audio: Vec<f32> = (0..3200).map(|i| ((i as f32) * 0.05).sin() * 0.3).collect();
    let mut conversation = None;
    for n in 0u64.. {
        let now = tofu::store::now_ms();
        if n % 8 == 0 || conversation.is_none() {
            conversation = Some(store.start_conversation(now, Source::Live, None)?);
        }
        let text = format!(
            "turn {n} of process {} says {}",
            std::process::id(),
            rng.u32(..)
        );
        let turn = store.add_turn(
            conversation.expect("started"),
            NewTurn::user(text.clone(), now, now + 200),
            Some(AudioIn::Samples(&audio)),
        )?;
        writeln!(out, "ack {} {}", turn.uid, text).ok();
        out.flush().ok();
        if rng.u8(..4) == 0 {
            let fixed = format!("{text} (corrected)");
            store.correct_turn(turn.id, Some(&fixed))?;
            writeln!(out, "fix {} {}", turn.uid, fixed).ok();
            out.flush().ok();
        }
    }
    Ok(())
}
