//! What this machine has (cores, memory), to say which models suit it.

use serde::Serialize;
use tofu_models::manifest::Choice;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Machine {
    /// CPU threads the process may use.
    pub cores: u32,
    /// Physical memory in GiB, when the system says.
    pub memory_gb: Option<f64>,
}

impl Machine {
    pub fn this() -> Machine {
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            memory_gb: memory_bytes().map(|b| b as f64 / (1u64 << 30) as f64),
        }
    }

    /// Whether a catalogue entry suits this machine. Unknown memory suits
    /// only entries that ask for little (4 GiB or less).
    pub fn suits(&self, c: &Choice) -> bool {
        // Memory as the system reports it is a little under the installed
        // amount ("16 GB" machines report ~15.5 GiB): allow 10 %.
        let memory_ok = match self.memory_gb {
            Some(m) => m >= f64::from(c.min_memory_gb) * 0.9,
            None => c.min_memory_gb <= 4,
        };
        self.cores >= c.min_cores && memory_ok
    }
}

#[cfg(target_os = "linux")]
fn memory_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_meminfo(&info)
}

#[cfg(target_os = "macos")]
fn memory_bytes() -> Option<u64> {
    let out = std::process::Command::new("sysctl")
        .args(["-n", "hw.memsize"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn memory_bytes() -> Option<u64> {
    None
}

/// `MemTotal:       24567890 kB` → bytes.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_meminfo(info: &str) -> Option<u64> {
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(min_cores: u32, min_memory_gb: u32) -> Choice {
        Choice {
            default: false,
            params: "1B".into(),
            min_cores,
            min_memory_gb,
            tested_download: false,
            instruct: true,
        }
    }

    #[test]
    fn memory_is_read_from_meminfo() {
        let info = "MemTotal:       16303412 kB\nMemFree:         1234 kB\n";
        assert_eq!(parse_meminfo(info), Some(16_303_412 * 1024));
        assert_eq!(parse_meminfo("MemFree: 3 kB"), None);
    }

    #[test]
    fn a_machine_suits_what_it_can_hold() {
        let laptop = Machine {
            cores: 8,
            memory_gb: Some(15.5),
        };
        assert!(
            laptop.suits(&choice(8, 16)),
            "a 16 GB machine reports a little less"
        );
        assert!(!laptop.suits(&choice(8, 32)));
        assert!(!laptop.suits(&choice(12, 16)));
        let small = Machine {
            cores: 2,
            memory_gb: None,
        };
        assert!(small.suits(&choice(1, 2)));
        assert!(
            !small.suits(&choice(1, 8)),
            "unknown memory suits only small models"
        );
    }
}
