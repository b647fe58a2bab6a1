//! Markdown and plain text: for reading.

use std::fmt::Write;

use super::speaker_name;
use crate::store::Conversation;
use crate::timefmt::local;

pub fn markdown(conversations: &[Conversation]) -> String {
    let mut out = String::from("# Conversations with Tofu\n");
    for c in conversations {
        let when = local(c.started_at);
        let _ = write!(
            out,
            "\n## {} · {}\n\n",
            c.title.as_deref().unwrap_or("Conversation"),
            when.format("%A %-d %B %Y, %H:%M")
        );
        if c.turns.is_empty() {
            out.push_str("*(no turns)*\n");
        }
        for t in &c.turns {
            let _ = writeln!(
                out,
                "**{}** · {}  ",
                speaker_name(t),
                local(t.started_at).format("%H:%M:%S")
            );
            let _ = writeln!(out, "{}", escape_md(t.text()));
            if t.corrected_text.is_some() {
                let _ = writeln!(
                    out,
                    "*(corrected; first heard as “{}”)*",
                    escape_md(&t.heard_text)
                );
            }
            out.push('\n');
        }
    }
    out
}

pub fn plain(conversations: &[Conversation]) -> String {
    let mut out = String::new();
    for (i, c) in conversations.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "== {} ({}) ==",
            local(c.started_at).format("%Y-%m-%d %H:%M"),
            c.title.as_deref().unwrap_or(c.source.as_str())
        );
        for t in &c.turns {
            let _ = writeln!(
                out,
                "[{}] {}: {}",
                local(t.started_at).format("%H:%M:%S"),
                speaker_name(t),
                t.text().replace('\n', " ")
            );
        }
    }
    out
}

/// Keeps a transcript from turning into Markdown markup by accident.
fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out.replace('\n', "  \n")
}
