//! The commands the UI calls, one module per screen. Each one checks what the
//! UI sent, calls the engine and returns what it said; errors come back as
//! their message.

pub mod history;
pub mod models;
pub mod persona;
pub mod session;
pub mod settings;
pub mod style;
