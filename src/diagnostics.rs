//! "Copy diagnostics": what someone helping the person needs to know about
//! this install (version, system, CPU features, models and their
//! checksums, audio devices, where things are), and nothing the person
//! said: no transcript, no search, no key, no server password.

use std::fmt::Write as _;

use crate::Paths;

/// The report, as plain text (one `key: value` per line, lists indented).
/// `program`: which program asks (`tofu`, `tofu-desktop`). Never fails:
/// what cannot be read is reported as such.
pub fn report(paths: &Paths, program: &str) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{program} {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        w,
        "system: {} ({} {})",
        os_name(),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let m = crate::catalogue::machine::Machine::this();
    let _ = writeln!(
        w,
        "machine: {} threads, {}",
        m.cores,
        m.memory_gb
            .map_or("memory unknown".to_string(), |g| format!(
                "{g:.1} GiB memory"
            ))
    );
    let _ = writeln!(w, "cpu features: {}", cpu_features().join(" "));
    // What whisper.cpp was compiled to use (a feature the CPU lacks here
    // would have stopped it with an illegal instruction).
    let _ = writeln!(
        w,
        "speech engine built for: {}",
        whisper_rs::print_system_info().trim()
    );
    let _ = writeln!(w, "data folder: {}", paths.data_dir.display());
    let _ = writeln!(w, "models folder: {}", paths.models_dir.display());
    let _ = writeln!(w, "logs folder: {}", paths.logs_dir().display());
    settings(w, paths);
    models(w, paths);
    let _ = writeln!(w, "audio input devices:");
    let inputs = crate::audio::mic::list_input_devices();
    if inputs.is_empty() {
        let _ = writeln!(w, "  (none found)");
    }
    for d in inputs {
        let _ = writeln!(
            w,
            "  {}{}{}",
            d.name,
            if d.is_default { " (default)" } else { "" },
            d.default_config
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(w, "audio output devices:");
    let outputs = crate::audio::sink::list_output_devices();
    if outputs.is_empty() {
        let _ = writeln!(w, "  (none found)");
    }
    for d in outputs {
        let _ = writeln!(w, "  {d}");
    }
    out
}

fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}

/// The SIMD features this CPU has, as detected at run time.
fn cpu_features() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut v: Vec<&'static str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! probe {
            ($($f:tt),*) => {
                $(if std::arch::is_x86_feature_detected!($f) { v.push($f) })*
            };
        }
        probe!(
            "sse4.2",
            "avx",
            "avx2",
            "fma",
            "f16c",
            "avx512f",
            "avx512bw",
            "avx512vnni"
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        macro_rules! probe {
            ($($f:tt),*) => {
                $(if std::arch::is_aarch64_feature_detected!($f) { v.push($f) })*
            };
        }
        probe!("neon", "dotprod", "fp16", "i8mm", "sve");
    }
    if v.is_empty() {
        v.push("(none of those probed)");
    }
    v
}

/// Which reply engine and models are chosen. The database is opened read
/// only and only if it exists (`Store::open` would migrate, sweep and
/// apply retention: diagnostics change nothing).
fn settings(w: &mut String, paths: &Paths) {
    let db = paths.data_dir.join(crate::store::DB_FILE);
    if !db.is_file() {
        let _ = writeln!(w, "settings: none yet (no database)");
        return;
    }
    let conn = match rusqlite::Connection::open_with_flags(
        &db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(w, "settings: the database cannot be opened: {e}");
            return;
        }
    };
    let setting = |key: &str| -> Option<String> {
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .ok()
    };
    let reply: crate::mind::backend::ReplySettings = setting(crate::mind::backend::SETTINGS_KEY)
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default();
    let _ = write!(w, "replies: {:?}", reply.backend);
    if reply.backend == crate::mind::backend::BackendKind::Openai {
        // The server, not its address in full: no user name, password,
        // query or fragment.
        let _ = write!(
            w,
            " at {} (model {})",
            crate::mind::openai::origin(&reply.endpoint)
                .unwrap_or_else(|| "an unreadable address".into()),
            reply.remote_model
        );
    }
    let _ = writeln!(w);
    for role in [crate::catalogue::Role::Chat, crate::catalogue::Role::Speech] {
        let chosen: Option<String> =
            setting(role.key()).and_then(|v| serde_json::from_str(&v).ok());
        let _ = writeln!(
            w,
            "{}: {}",
            role.key(),
            chosen.as_deref().unwrap_or("default")
        );
    }
}

fn models(w: &mut String, paths: &Paths) {
    let _ = writeln!(w, "models:");
    match paths.model_store().summaries() {
        Ok(list) => {
            for m in list {
                let _ = writeln!(w, "  {} ({}): {}", m.name, m.kind, m.status);
                if let Some(p) = m.problem {
                    let _ = writeln!(w, "    problem: {p}");
                }
                for f in m.files {
                    let _ = writeln!(
                        w,
                        "    {} {} bytes sha256 {}",
                        f.path.display(),
                        f.size,
                        f.sha256
                    );
                }
            }
        }
        Err(e) => {
            let _ = writeln!(w, "  cannot be listed: {e}");
        }
    }
}
