//! The real cpal capture path, with no sound card: ALSA's `file` plugin plays
//! a recording into the default capture device (`ALSA_CONFIG_PATH` points
//! ALSA at a config made here), and `tofu listen` hears it through cpal,
//! the ring buffer, the resampler and the VAD like a microphone.

#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn cpal_hears_a_recording_through_alsa() {
    assert!(
        std::path::Path::new("/usr/share/alsa/alsa.conf").is_file(),
        "ALSA's configuration is missing: install libasound2-dev (./dev.sh does)"
    );
    let name = "arctic_a0024.wav";
    let dir = tempfile::tempdir().unwrap();
    // The recording as raw 16-bit PCM, 16 kHz mono, with silence after it.
    let mut samples = tofu::audio::wav::read_wav_16k_mono(&common::speech_file(name)).unwrap();
    samples.extend(std::iter::repeat_n(0.0, 16_000 * 4));
    let raw = dir.path().join("speech.raw");
    let mut f = std::fs::File::create(&raw).unwrap();
    for s in &samples {
        f.write_all(&((s * 32767.0) as i16).to_le_bytes()).unwrap();
    }
    drop(f);
    let conf = dir.path().join("asound.conf");
    std::fs::write(
        &conf,
        format!(
            r#"</usr/share/alsa/alsa.conf>
pcm.filecap {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{}"
    format "raw"
}}
pcm.!default {{
    type plug
    slave {{
        pcm "filecap"
        format S16_LE
        rate 16000
        channels 1
    }}
}}
"#,
            raw.display()
        ),
    )
    .unwrap();

    let data = tempfile::tempdir().unwrap();
    let mut child = common::tofu(data.path())
        .args(["listen", "--no-reply", "--json"])
        .env("ALSA_CONFIG_PATH", &conf)
        .env("TOFU_AUDIO_HOST", "alsa")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut seen = Vec::new();
    let heard = loop {
        let left = Duration::from_secs(90).saturating_sub(started.elapsed());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                if v["event"] == "final" && !v["text"].as_str().unwrap_or("").is_empty() {
                    break v;
                }
                seen.push(line);
            }
            Err(_) => {
                let _ = child.kill();
                let mut err = String::new();
                let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
                panic!(
                    "no final transcript through ALSA within 90 s; events: {seen:?}\nstderr: {err}"
                );
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let reference = common::speech_manifest()
        .into_iter()
        .find(|(f, _)| f == name)
        .unwrap()
        .1;
    let w = tofu::eval::wer(&reference, heard["text"].as_str().unwrap());
    assert!(w <= 0.15, "WER {w:.2}: heard {heard}");
    assert!(
        std::path::Path::new(heard["audio"].as_str().unwrap()).is_file(),
        "the turn's audio was saved"
    );
}
