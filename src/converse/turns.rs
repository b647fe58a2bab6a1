//! Turn-taking as a pure state machine: what the ears report goes in, what
//! the loop must do comes out. No threads, audio or clocks inside (times
//! arrive with the inputs), so every rule is tested with made-up event
//! sequences (see the tests below); [`super::converse_with`] only wires it
//! to the ears, the companion thread, the voice thread and the speaker.
//!
//! The phases of a turn:
//!
//! ```text
//!  Listening ──speech──▶ PersonSpeaking ──pause──▶ PausePending ──final──▶ Thinking/Speaking
//!      ▲                      ▲   (echo: the companion's     │ (a reply is written ahead
//!      │                      │    own voice is not a turn)  │  and held until the final
//!      │                      └───────more speech────────────┘  confirms it)
//!      └──── reply done ◀── Speaking ──person speaks──▶ Interrupted (barge-in)
//! ```
//!
//! Thinking and speaking happen on other threads; the machine does not
//! track them itself but is told, with each input that could cut them
//! off, whether the companion is busy (see [`Busy`]).
//!
//! Generations: every reply belongs to the generation that was current
//! when its turn was heard. Cutting work off (a barge-in, a reply written
//! ahead for a turn that went on) moves to a new generation; the other
//! threads drop anything of an older one. Only this machine moves it.

/// Whether the companion is doing something a barge-in would stop:
/// writing a reply, owing one, or with speech queued or playing.
pub type Busy = bool;

/// What the ears (after the echo gate) and the person report.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Speech began at `at_s`; `person`: the echo gate heard the person,
    /// not the companion's own voice coming back.
    SpeechStarted { at_s: f64, person: bool },
    /// During speech first taken for the echo, the person's voice rose
    /// above it (now `at_s`).
    VoiceOverEcho { at_s: f64 },
    /// The pause that may end the turn began (now `at_s`).
    SpeechEnded { at_s: f64 },
    /// The turn as it will be if the pause goes on (it ended at `end_s`).
    Tentative { text: String, end_s: f64 },
    /// The turn's final transcript (it ended at `end_s`).
    Final { text: String, end_s: f64 },
    /// A turn typed instead of spoken, at `at_s`.
    Typed { at_s: f64 },
    /// The stop button.
    Interrupt { at_s: f64 },
    /// The conversation is being stopped now: drop the reply in progress.
    Hurry,
}

/// What the loop must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Move to `generation`: the reply being written is cancelled and
    /// whatever of an older generation is still queued is dropped.
    Discard { generation: u64 },
    /// Silence the speaker at once.
    Silence,
    /// Report that the person spoke over the companion.
    Interrupted { turn: u32, at_s: f64 },
    /// Write the reply to `text` now, for turn `turn`; it is heard only
    /// once the final transcript confirms it.
    WriteAhead {
        turn: u32,
        text: String,
        generation: u64,
    },
    /// The reply written ahead for turn `turn` in `generation` may play.
    Confirm { turn: u32, generation: u64 },
    /// Keep and answer turn `turn` (the input's transcript or typed text)
    /// in `generation`. `confirmed`: the reply written ahead answers it.
    /// `late`: it arrived after the person had started again: kept, not
    /// answered (its generation is never current), since the reply would
    /// talk over them.
    Answer {
        turn: u32,
        generation: u64,
        confirmed: bool,
        late: bool,
        /// When the turn's end was decided (the start of the pause).
        end_detected_s: f64,
    },
    /// The final transcript was only the companion's echo: not a turn
    /// (its recording is deleted, nothing is shown).
    DropEcho,
}

/// The generation given to a turn that is kept but never answered.
pub const NEVER: u64 = u64::MAX;

/// Where the conversation's turn-taking stands.
#[derive(Debug, Clone)]
pub struct TurnTaking {
    barge_in: bool,
    write_ahead: bool,
    turn: u32,
    generation: u64,
    /// The reply being written ahead: for this text, in this generation.
    ahead: Option<(String, u64)>,
    /// The speech in progress began as the companion's echo (dropped
    /// unless the person is heard in it).
    echo: bool,
    /// Where the latest speech taken for the echo began, while its final
    /// transcript is still to come (it may come after the person's next
    /// utterance began: the echo's turn ends as the companion stops, and
    /// the person may answer at once).
    echo_start_s: Option<f64>,
    /// When the person's latest utterance began: a transcript of speech
    /// that ended before it is late.
    latest_start_s: f64,
    end_detected_s: f64,
}

impl TurnTaking {
    /// `barge_in`: the person's speech stops the companion. `write_ahead`:
    /// replies are written at the pause, before the turn is final.
    pub fn new(barge_in: bool, write_ahead: bool) -> TurnTaking {
        TurnTaking {
            barge_in,
            write_ahead,
            turn: 0,
            generation: 0,
            ahead: None,
            echo: false,
            echo_start_s: None,
            latest_start_s: f64::NEG_INFINITY,
            end_detected_s: 0.0,
        }
    }

    /// The turn last heard (0 before the first).
    pub fn turn(&self) -> u32 {
        self.turn
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether the speech in progress is taken for the companion's echo.
    pub fn in_echo(&self) -> bool {
        self.echo
    }

    /// Whether a final transcript of speech that ended at `end_s` is the
    /// echo's: the echo's speech began before `end_s`, and the person's
    /// did not begin in between.
    fn echo_of(&self, end_s: f64) -> bool {
        let person = self.latest_start_s;
        self.echo_start_s
            .is_some_and(|s| s < end_s && !(s < person && person < end_s))
    }

    /// One input; the actions, in the order they must be carried out.
    pub fn step(&mut self, input: Input, busy: Busy) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::SpeechStarted { at_s, person } => {
                self.echo = !person;
                if !person {
                    self.echo_start_s = Some(at_s);
                }
                if person {
                    self.latest_start_s = at_s;
                    if self.barge_in {
                        self.barge(at_s, busy, &mut out);
                    }
                }
            }
            Input::VoiceOverEcho { at_s } => {
                if self.echo {
                    self.echo = false;
                    self.echo_start_s = None;
                    self.latest_start_s = at_s;
                    if self.barge_in {
                        self.barge(at_s, busy, &mut out);
                    }
                }
            }
            Input::SpeechEnded { at_s } => {
                self.end_detected_s = at_s;
                // The voice that rises next is a new utterance, not the
                // person over this echo.
                self.echo = false;
            }
            Input::Interrupt { at_s } => self.barge(at_s, busy, &mut out),
            Input::Typed { at_s } => {
                self.barge(at_s, busy, &mut out);
                // A reply written ahead for a spoken turn no longer answers.
                self.ahead = None;
                self.turn += 1;
                out.push(Action::Answer {
                    turn: self.turn,
                    generation: self.generation,
                    confirmed: false,
                    late: false,
                    end_detected_s: at_s,
                });
            }
            Input::Tentative { text, end_s } => {
                if !self.echo && end_s > self.latest_start_s && self.write_ahead {
                    if self.ahead.take().is_some() {
                        // The person went on: that reply answered too little.
                        self.discard(&mut out);
                    }
                    self.ahead = Some((text.clone(), self.generation));
                    out.push(Action::WriteAhead {
                        turn: self.turn + 1,
                        text,
                        generation: self.generation,
                    });
                }
            }
            Input::Final { end_s, .. } if self.echo_of(end_s) => {
                // Only the companion's own voice: not a turn.
                self.echo = false;
                self.echo_start_s = None;
                out.push(Action::DropEcho);
            }
            Input::Final { text, end_s } => {
                if text.trim().is_empty() {
                    return out;
                }
                self.turn += 1;
                let late = end_s <= self.latest_start_s;
                let confirmed = match self.ahead.take() {
                    Some((t, g)) if t == text && g == self.generation && !late => {
                        out.push(Action::Confirm {
                            turn: self.turn,
                            generation: g,
                        });
                        true
                    }
                    Some(_) => {
                        self.discard(&mut out);
                        false
                    }
                    None => false,
                };
                out.push(Action::Answer {
                    turn: self.turn,
                    generation: if late { NEVER } else { self.generation },
                    confirmed,
                    late,
                    end_detected_s: self.end_detected_s,
                });
            }
            Input::Hurry => {
                self.discard(&mut out);
                out.push(Action::Silence);
            }
        }
        out
    }

    fn discard(&mut self, out: &mut Vec<Action>) {
        self.generation += 1;
        out.push(Action::Discard {
            generation: self.generation,
        });
    }

    /// The person cut in: if the companion is busy, its reply stops now.
    fn barge(&mut self, at_s: f64, busy: Busy, out: &mut Vec<Action>) {
        if busy {
            // A reply written ahead is part of what stops.
            self.ahead = None;
            self.discard(out);
            out.push(Action::Silence);
            out.push(Action::Interrupted {
                turn: self.turn,
                at_s,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    fn start(at_s: f64) -> Input {
        Input::SpeechStarted { at_s, person: true }
    }
    fn tentative(text: &str, end_s: f64) -> Input {
        Input::Tentative {
            text: text.into(),
            end_s,
        }
    }
    fn fin(text: &str, end_s: f64) -> Input {
        Input::Final {
            text: text.into(),
            end_s,
        }
    }

    #[test]
    fn a_finished_turn_confirms_the_reply_written_at_its_pause() {
        let mut t = TurnTaking::new(true, true);
        assert_eq!(t.step(start(0.0), false), vec![]);
        assert_eq!(t.step(Input::SpeechEnded { at_s: 1.6 }, false), vec![]);
        assert_eq!(
            t.step(tentative("Hello there.", 1.5), false),
            vec![WriteAhead {
                turn: 1,
                text: "Hello there.".into(),
                generation: 0
            }]
        );
        assert_eq!(
            t.step(fin("Hello there.", 1.5), true),
            vec![
                Confirm {
                    turn: 1,
                    generation: 0
                },
                Answer {
                    turn: 1,
                    generation: 0,
                    confirmed: true,
                    late: false,
                    end_detected_s: 1.6
                }
            ]
        );
        assert_eq!(t.turn(), 1);
    }

    #[test]
    fn a_pause_then_more_speech_discards_the_reply_written_ahead() {
        let mut t = TurnTaking::new(true, true);
        t.step(start(0.0), false);
        t.step(tentative("Stuff it into you, his", 1.2), false);
        // They go on: the reply written ahead is the companion being busy.
        assert_eq!(
            t.step(start(2.1), true),
            vec![
                Discard { generation: 1 },
                Silence,
                Interrupted { turn: 0, at_s: 2.1 }
            ]
        );
        // The whole sentence: a reply written ahead for it, then the final.
        let ahead = t.step(tentative("Stuff it into you, his belly.", 3.0), true);
        assert_eq!(
            ahead,
            vec![WriteAhead {
                turn: 1,
                text: "Stuff it into you, his belly.".into(),
                generation: 1
            }]
        );
        let done = t.step(fin("Stuff it into you, his belly.", 3.0), true);
        assert_eq!(
            done[0],
            Confirm {
                turn: 1,
                generation: 1
            }
        );
        assert!(matches!(
            done[1],
            Answer {
                turn: 1,
                confirmed: true,
                ..
            }
        ));
    }

    #[test]
    fn a_new_tentative_turn_replaces_the_old_one_without_silencing() {
        let mut t = TurnTaking::new(true, true);
        t.step(start(0.0), false);
        t.step(tentative("I think", 0.8), false);
        // A longer guess of the same turn (no new speech start in between,
        // e.g. the pause judge changed its mind): the old reply is dropped,
        // the speaker is not touched (nothing of this turn played).
        assert_eq!(
            t.step(tentative("I think so.", 1.4), true),
            vec![
                Discard { generation: 1 },
                WriteAhead {
                    turn: 1,
                    text: "I think so.".into(),
                    generation: 1
                }
            ]
        );
    }

    #[test]
    fn a_final_unlike_the_guess_is_answered_afresh() {
        let mut t = TurnTaking::new(true, true);
        t.step(start(0.0), false);
        t.step(tentative("Turn left", 1.0), false);
        let out = t.step(fin("Turn left at the lights.", 1.0), true);
        assert_eq!(
            out,
            vec![
                Discard { generation: 1 },
                Answer {
                    turn: 1,
                    generation: 1,
                    confirmed: false,
                    late: false,
                    end_detected_s: 0.0
                }
            ]
        );
    }

    #[test]
    fn barge_in_during_speculation_or_speech_stops_the_companion() {
        let mut t = TurnTaking::new(true, true);
        t.step(start(0.0), false);
        t.step(fin("Tell me a story.", 1.0), false);
        // Speaking now: the person cuts in.
        assert_eq!(
            t.step(start(4.0), true),
            vec![
                Discard { generation: 1 },
                Silence,
                Interrupted { turn: 1, at_s: 4.0 }
            ]
        );
        // Not busy: speech is just speech.
        assert_eq!(t.step(start(9.0), false), vec![]);
        // The stop button works the same way, without speech.
        assert_eq!(
            t.step(Input::Interrupt { at_s: 9.5 }, true),
            vec![
                Discard { generation: 2 },
                Silence,
                Interrupted { turn: 1, at_s: 9.5 }
            ]
        );
    }

    #[test]
    fn without_barge_in_speech_does_not_stop_the_companion() {
        let mut t = TurnTaking::new(false, true);
        t.step(start(0.0), false);
        t.step(fin("Tell me a story.", 1.0), false);
        assert_eq!(t.step(start(4.0), true), vec![]);
        // The stop button still does.
        assert_eq!(t.step(Input::Interrupt { at_s: 4.5 }, true).len(), 3);
    }

    #[test]
    fn the_companions_echo_is_not_a_turn_unless_the_person_speaks_over_it() {
        let mut t = TurnTaking::new(true, true);
        let echo = Input::SpeechStarted {
            at_s: 5.0,
            person: false,
        };
        assert_eq!(t.step(echo.clone(), true), vec![]);
        assert!(t.in_echo());
        // No reply is written ahead for the echo.
        assert_eq!(t.step(tentative("Once upon a time", 6.0), true), vec![]);
        assert_eq!(t.step(fin("Once upon a time", 6.0), true), vec![DropEcho]);
        assert_eq!(t.turn(), 0);
        // Echo again, then the person's voice rises over it: a barge-in.
        t.step(echo, true);
        assert_eq!(
            t.step(Input::VoiceOverEcho { at_s: 7.2 }, true),
            vec![
                Discard { generation: 1 },
                Silence,
                Interrupted { turn: 0, at_s: 7.2 }
            ]
        );
        assert!(!t.in_echo());
        assert!(matches!(
            t.step(fin("Stop please.", 8.0), false)[..],
            [Answer { turn: 1, .. }]
        ));
    }

    #[test]
    fn the_echos_transcript_is_dropped_even_after_the_person_began_to_speak() {
        let mut t = TurnTaking::new(true, true);
        let echo = Input::SpeechStarted {
            at_s: 5.0,
            person: false,
        };
        t.step(echo, true);
        t.step(Input::SpeechEnded { at_s: 9.0 }, false);
        assert!(!t.in_echo());
        // The person answers as the companion stops, before the echo's
        // transcript is in: their voice rising is not a voice over the
        // echo (no barge-in), and their speech starts a turn.
        assert_eq!(t.step(Input::VoiceOverEcho { at_s: 9.4 }, false), vec![]);
        t.step(start(9.5), false);
        assert!(!t.in_echo());
        assert_eq!(t.step(fin("Once upon a time", 9.0), false), vec![DropEcho]);
        assert!(matches!(
            t.step(fin("What happened next?", 11.0), false)[..],
            [Answer { turn: 1, .. }]
        ));
    }

    #[test]
    fn a_transcript_that_arrives_after_the_next_utterance_began_is_kept_unanswered() {
        let mut t = TurnTaking::new(true, true);
        t.step(start(0.0), false);
        t.step(start(2.0), true);
        let out = t.step(fin("First part.", 1.5), true);
        assert_eq!(
            out,
            vec![Answer {
                turn: 1,
                generation: NEVER,
                confirmed: false,
                late: true,
                end_detected_s: 0.0
            }]
        );
        // And no reply is written ahead for it either.
        assert_eq!(t.step(tentative("First part.", 1.5), false), vec![]);
    }

    #[test]
    fn a_typed_turn_cuts_in_and_drops_the_reply_written_ahead() {
        let mut t = TurnTaking::new(true, true);
        t.step(start(0.0), false);
        t.step(tentative("Hmm", 0.5), false);
        let out = t.step(Input::Typed { at_s: 3.0 }, true);
        assert_eq!(
            out,
            vec![
                Discard { generation: 1 },
                Silence,
                Interrupted { turn: 0, at_s: 3.0 },
                Answer {
                    turn: 1,
                    generation: 1,
                    confirmed: false,
                    late: false,
                    end_detected_s: 3.0
                }
            ]
        );
        // The spoken turn's final, later, is answered on its own.
        assert!(matches!(
            t.step(fin("Hmm", 0.5), false)[..],
            [Answer {
                turn: 2,
                confirmed: false,
                ..
            }]
        ));
    }

    #[test]
    fn empty_finals_are_nothing_and_stopping_now_drops_the_reply() {
        let mut t = TurnTaking::new(true, true);
        t.step(start(0.0), false);
        assert_eq!(t.step(fin("  ", 1.0), false), vec![]);
        assert_eq!(t.turn(), 0);
        assert_eq!(
            t.step(Input::Hurry, true),
            vec![Discard { generation: 1 }, Silence]
        );
    }

    #[test]
    fn without_writing_ahead_tentative_turns_are_ignored() {
        let mut t = TurnTaking::new(true, false);
        t.step(start(0.0), false);
        assert_eq!(t.step(tentative("Hello.", 1.0), false), vec![]);
        assert!(matches!(
            t.step(fin("Hello.", 1.0), false)[..],
            [Answer {
                confirmed: false,
                generation: 0,
                ..
            }]
        ));
    }
}
