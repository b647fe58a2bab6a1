//! Used by `tests/store_crash.rs`'s crash loop: writes turns (with audio),
//! corrections and deletions into the store at `argv[1]` as fast as it can
//! until it is killed, printing after each commit:
//! `ack <uid> <audio path> <text>` (a turn stored), `fix <uid> <text>` (a
//! correction stored), and `deleting <uid>` before / `del <uid>` after a
//! deletion.

use std::io::Write;

use tofu::store::{AudioIn, NewTurn, Source, Store, TurnId};

fn main() -> tofu::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .expect("usage: store_crash_writer DATA_DIR");
    let mut store = Store::open(std::path::Path::new(&dir))?;
    let mut rng = fastrand::Rng::with_seed(u64::from(std::process::id()));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let audio: Vec<f32> = (0..3200).map(|i| ((i as f32) * 0.05).sin() * 0.3).collect();
    let mut conversation = None;
    let mut mine: Vec<(TurnId, String)> = Vec::new();
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
        let rel = turn.audio_path.clone().expect("stored with audio");
        writeln!(out, "ack {} {rel} {text}", turn.uid).ok();
        out.flush().ok();
        mine.push((turn.id, turn.uid.clone()));
        match rng.u8(..6) {
            0 => {
                let fixed = format!("{text} (corrected)");
                store.correct_turn(turn.id, Some(&fixed))?;
                writeln!(out, "fix {} {fixed}", turn.uid).ok();
                out.flush().ok();
            }
            1 => {
                let (id, uid) = mine.swap_remove(rng.usize(..mine.len()));
                writeln!(out, "deleting {uid}").ok();
                out.flush().ok();
                store.delete_turn(id)?;
                writeln!(out, "del {uid}").ok();
                out.flush().ok();
            }
            _ => {}
        }
    }
    Ok(())
}
