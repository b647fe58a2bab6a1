//! SRT and WebVTT: one cue per turn, timed from the start of the first
//! exported conversation, so the times line up with a recording of it.

use std::fmt::Write;

use super::speaker_name;
use crate::store::{Conversation, Turn};

fn cues(conversations: &[Conversation]) -> (i64, Vec<&Turn>) {
    let origin = conversations
        .iter()
        .map(|c| c.started_at)
        .min()
        .unwrap_or(0);
    let mut turns: Vec<&Turn> = conversations.iter().flat_map(|c| &c.turns).collect();
    turns.sort_by_key(|t| (t.started_at, t.id));
    (origin, turns)
}

/// A cue must end after it starts.
fn end(t: &Turn) -> i64 {
    t.ended_at.max(t.started_at + 1)
}

/// `HH:MM:SS<sep>mmm` (hours may pass 99).
fn stamp(ms: i64, sep: char) -> String {
    let ms = ms.max(0);
    format!(
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    )
}

pub fn srt(conversations: &[Conversation]) -> String {
    let (origin, turns) = cues(conversations);
    let mut out = String::new();
    for (i, t) in turns.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n{} --> {}\n{}: {}\n\n",
            i + 1,
            stamp(t.started_at - origin, ','),
            stamp(end(t) - origin, ','),
            speaker_name(t),
            one_block(t.text())
        );
    }
    out
}

pub fn vtt(conversations: &[Conversation]) -> String {
    let (origin, turns) = cues(conversations);
    let mut out = String::from("WEBVTT\n\n");
    for t in turns {
        let _ = write!(
            out,
            "{}\n{} --> {}\n<v {}>{}\n\n",
            t.id,
            stamp(t.started_at - origin, '.'),
            stamp(end(t) - origin, '.'),
            escape_vtt(speaker_name(t)),
            escape_vtt(&one_block(t.text()))
        );
    }
    out
}

/// A blank line ends a cue in both formats: keep a cue's text in one block.
fn one_block(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        .replace("-->", "->")
}

fn escape_vtt(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::stamp;

    #[test]
    fn stamps() {
        assert_eq!(stamp(0, ','), "00:00:00,000");
        assert_eq!(stamp(3_723_045, ','), "01:02:03,045");
        assert_eq!(stamp(61_001, '.'), "00:01:01.001");
        assert_eq!(stamp(100 * 3_600_000, '.'), "100:00:00.000");
    }
}
