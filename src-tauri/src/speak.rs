//! Saying something outside the conversation ("try it", the speaker test)
//! on the person's speakers, or beside the test output file.

use tofu::audio::sink::{AudioSink, SpeakerSink, WavSink};
use tofu::audio::source::Pace;
use tofu::tts::{self, VoiceSettings};

use crate::state::{msg, App, Cmd};

/// Says `text` with the person's voice settings on `device` (`None`: their
/// chosen output).
pub fn say_on(app: &App, text: &str, device: Option<String>) -> Cmd<()> {
    let settings: VoiceSettings = app.with_store(|s| {
        Ok(s.setting::<VoiceSettings>(tts::SETTINGS_KEY)?
            .unwrap_or_default())
    })?;
    let (mut voice, _) = tts::load(&settings, &app.paths.model_store()).map_err(msg)?;
    let sink: Box<dyn AudioSink> = match &app.output_file {
        Some(f) => Box::new(WavSink::new(f.with_extension("said.wav"), Pace::Fast)),
        None => {
            let device = device.or(app.prefs()?.output_device);
            Box::new(SpeakerSink::open(device.as_deref()).map_err(msg)?)
        }
    };
    tts::speak(voice.as_mut(), text, sink.as_ref()).map_err(msg)?;
    Ok(())
}

pub fn say(app: &App, text: &str) -> Cmd<()> {
    say_on(app, text, None)
}
