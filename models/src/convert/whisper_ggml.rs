//! CTranslate2 Whisper model → whisper.cpp ggml model.
//!
//! The ggml layout is the one whisper.cpp's `models/convert-pt-to-ggml.py` and
//! `convert-h5-to-ggml.py` write (all little-endian i32 unless noted):
//!
//! ```text
//! magic 0x67676d6c
//! hparams: n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer
//!          n_text_ctx n_text_state n_text_head n_text_layer n_mels ftype(1 = f16)
//! mel filters: n_mel n_fft, then n_mel × n_fft f32
//! vocabulary: n_tokens, then n_tokens × { len, raw bytes }
//! tensors: { n_dims, name_len, ttype(0 f32 | 1 f16 | 8 q8_0), ne[n_dims] (innermost first), name, data }
//! ```
//!
//! The weight matrices (every 2-D tensor: attention, MLP, token embedding)
//! are written as ggml's `q8_0`, the others as CTranslate2 gave them. On
//! this 2-core machine that made whisper base 42% faster per utterance
//! with the same word error rate on the shared speech (12.9% against
//! 12.5%: one word in 600), and 60 MB smaller in memory; the reply waits
//! on the transcript, so every turn gains (`tofu bench asr --model` can
//! compare files). The header's `ftype` then says "mostly q8_0" with
//! ggml's quantisation version, as whisper.cpp's own `quantize` writes it.
//!
//! What differs from the PyTorch checkpoint and bites (each is handled below):
//! CTranslate2 fuses self-attention q, k, v into `linear_0` and cross-attention
//! k, v into `linear_1`; it stores a key bias (zero) that whisper.cpp has no
//! tensor for; conv biases become `[n, 1]` f32; 1-D tensors and both positional
//! embeddings must be f32 (an all-f32 file crashes whisper.cpp 1.8 in im2col);
//! `decoder/projection` is an alias of the token embedding; the vocabulary is
//! the regular byte-level BPE tokens (those before `<|endoftext|>`), as raw bytes.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use half::f16;

use super::ct2::{Ct2Model, DType};
use super::npy::{read_npz_f32, F32Array};
use crate::error::{ModelError, Result};

const GGML_MAGIC: i32 = 0x6767_6d6c;

/// ggml's tensor type for `q8_0`, and the file type "mostly q8_0" with
/// its quantisation version (2, times 1000) as whisper.cpp reads it.
const GGML_TYPE_Q8_0: usize = 8;
const FTYPE_MOSTLY_Q8_0: usize = 2 * 1000 + 7;
/// Values per `q8_0` block: one f16 scale, then 32 signed bytes.
const Q8_0_BLOCK: usize = 32;

/// `f16` little-endian values as ggml `q8_0` blocks (`ggml`'s reference
/// `quantize_row_q8_0`: scale = max |x| / 127, each value x / scale
/// rounded). Written here because no crate writes ggml's block formats
/// and this one is a dozen lines; whisper.cpp checks each tensor's size
/// against its type when it loads the file.
fn q8_0(f16_bytes: &[u8]) -> Vec<u8> {
    let values: Vec<f32> = f16_bytes
        .chunks_exact(2)
        .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
        .collect();
    let mut out = Vec::with_capacity(values.len() / Q8_0_BLOCK * (2 + Q8_0_BLOCK));
    for block in values.chunks(Q8_0_BLOCK) {
        let amax = block.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16::from_f32(d).to_le_bytes());
        out.extend(block.iter().map(|x| (x * id).round() as i8 as u8));
    }
    out
}

/// Whether a tensor of `shape` (outermost first) in f16 is written as
/// `q8_0`: the 2-D weight matrices whose rows fill whole blocks.
fn quantized(shape: &[usize], data: &Data) -> bool {
    matches!(data, Data::F16(_)) && shape.len() == 2 && shape[1].is_multiple_of(Q8_0_BLOCK)
}

/// Sizes read off the model, written as the ggml header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: usize,
    pub n_audio_ctx: usize,
    pub n_audio_state: usize,
    pub n_audio_head: usize,
    pub n_audio_layer: usize,
    pub n_text_ctx: usize,
    pub n_text_state: usize,
    pub n_text_head: usize,
    pub n_text_layer: usize,
    pub n_mels: usize,
}

/// What a conversion wrote.
#[derive(Debug, Clone)]
pub struct Report {
    pub hparams: Hparams,
    pub tensors: usize,
    pub tokens: usize,
    pub bytes: u64,
}

/// Converts a faster-whisper folder (`model.bin` + `vocabulary.txt` or
/// `vocabulary.json`) to a ggml file at `out`, using Whisper's mel filters
/// from `mel_npz`.
/// Imports a faster-whisper model folder into the store: fetches the mel
/// filter bank if needed, converts to `out` (default
/// `<models>/imported/ggml-<folder name>.bin`). Returns where it went.
pub fn import(
    store: &crate::store::ModelStore,
    ct2_dir: &Path,
    out: Option<&Path>,
) -> Result<(PathBuf, Report)> {
    let fetcher = crate::fetch::Fetcher::new(store.clone(), crate::fetch::FetchOptions::default());
    fetcher.fetch("whisper-mel-filters")?;
    let mel = store.require("whisper-mel-filters", "mel_filters.npz")?;
    let out = match out {
        Some(o) => o.to_path_buf(),
        None => store
            .dir()
            .join("imported")
            .join(default_output_name(ct2_dir)),
    };
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| ModelError::io(parent, e))?;
    }
    let report = convert_dir(ct2_dir, &mel, &out)?;
    Ok((out, report))
}

pub fn convert_dir(ct2_dir: &Path, mel_npz: &Path, out: &Path) -> Result<Report> {
    let model = Ct2Model::open(&ct2_dir.join("model.bin"))?;
    let vocab = read_vocabulary(ct2_dir)?;
    let hp = hparams(&model).map_err(|reason| convert_err(ct2_dir, reason))?;
    let mel = read_npz_f32(mel_npz, &format!("mel_{}", hp.n_mels))?;
    convert(&model, &vocab, &mel, out).map_err(|e| match e {
        ModelError::Convert { reason, .. } => convert_err(ct2_dir, reason),
        other => other,
    })
}

fn convert_err(path: &Path, reason: String) -> ModelError {
    ModelError::Convert {
        path: path.to_path_buf(),
        reason,
    }
}

/// Reads the token strings of a faster-whisper folder.
pub fn read_vocabulary(dir: &Path) -> Result<Vec<String>> {
    let txt = dir.join("vocabulary.txt");
    let json = dir.join("vocabulary.json");
    if txt.exists() {
        let text = std::fs::read_to_string(&txt).map_err(|e| ModelError::io(&txt, e))?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        Ok(text.split('\n').map(str::to_string).collect())
    } else if json.exists() {
        let text = std::fs::read_to_string(&json).map_err(|e| ModelError::io(&json, e))?;
        serde_json::from_str(&text)
            .map_err(|e| convert_err(&json, format!("not a JSON list of tokens: {e}")))
    } else {
        Err(convert_err(
            dir,
            "no vocabulary.txt or vocabulary.json in the model folder".into(),
        ))
    }
}

pub fn hparams(m: &Ct2Model) -> std::result::Result<Hparams, String> {
    if m.spec != "WhisperSpec" {
        return Err(format!("this is a {} model, not a Whisper model", m.spec));
    }
    let shape = |name: &str| -> std::result::Result<Vec<usize>, String> {
        m.get(name)
            .map(|v| v.shape.clone())
            .ok_or_else(|| format!("missing variable {name}"))
    };
    let count_layers = |prefix: &str| {
        (0..)
            .take_while(|i| {
                m.get(&format!("{prefix}/layer_{i}/ffn/linear_0/weight"))
                    .is_some()
            })
            .count()
    };
    let emb = shape("decoder/embeddings/weight")?;
    let enc_pe = shape("encoder/position_encodings/encodings")?;
    let dec_pe = shape("decoder/position_encodings/encodings")?;
    let conv1 = shape("encoder/conv1/weight")?;
    let (n_audio_state, n_text_state) = (enc_pe[1], dec_pe[1]);
    let heads = |prefix: &str, state: usize| {
        m.scalar_int(&format!("{prefix}/num_heads"))
            .map(|h| h as usize)
            .unwrap_or(state / 64)
    };
    Ok(Hparams {
        n_vocab: emb[0],
        n_audio_ctx: enc_pe[0],
        n_audio_state,
        n_audio_head: heads("encoder", n_audio_state),
        n_audio_layer: count_layers("encoder"),
        n_text_ctx: dec_pe[0],
        n_text_state,
        n_text_head: heads("decoder", n_text_state),
        n_text_layer: count_layers("decoder"),
        n_mels: conv1[1],
    })
}

/// A tensor on its way out: numpy-order shape and the source bytes.
struct Src<'a> {
    name: String,
    shape: Vec<usize>,
    dtype: DType,
    bytes: &'a [u8],
}

impl<'a> Src<'a> {
    /// The length of the first axis (a scalar has none: an error, not a panic).
    fn first(&self) -> std::result::Result<usize, String> {
        self.shape
            .first()
            .copied()
            .ok_or_else(|| format!("{} is a scalar, a tensor was expected", self.name))
    }

    /// Rows `r0..r1` along the first axis.
    fn rows(&self, r0: usize, r1: usize) -> Src<'a> {
        let row: usize = self.shape[1..].iter().product::<usize>() * self.dtype.size();
        let mut shape = self.shape.clone();
        shape[0] = r1 - r0;
        Src {
            name: format!("{}[{r0}..{r1}]", self.name),
            shape,
            dtype: self.dtype,
            bytes: &self.bytes[r0 * row..r1 * row],
        }
    }

    fn to_f32(&self) -> std::result::Result<Vec<f32>, String> {
        match self.dtype {
            DType::F32 => Ok(self.bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
            DType::F16 => Ok(self.bytes.chunks_exact(2).map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()),
            DType::BF16 => Ok(self.bytes.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()).collect()),
            other => Err(format!(
                "{} is {other:?}: quantized faster-whisper models cannot be converted; use a float16 or float32 one",
                self.name
            )),
        }
    }

    fn to_f16_bytes(&self) -> std::result::Result<Cow<'a, [u8]>, String> {
        match self.dtype {
            DType::F16 => Ok(Cow::Borrowed(self.bytes)),
            _ => Ok(Cow::Owned(
                self.to_f32()?
                    .into_iter()
                    .flat_map(|v| f16::from_f32(v).to_le_bytes())
                    .collect(),
            )),
        }
    }
}

enum Data<'a> {
    F16(Cow<'a, [u8]>),
    F32(Vec<f32>),
}

struct Out<'a> {
    name: String,
    shape: Vec<usize>,
    data: Data<'a>,
}

struct Builder<'m> {
    model: &'m Ct2Model,
    out: Vec<Out<'m>>,
}

impl<'m> Builder<'m> {
    fn src(&self, name: &str) -> std::result::Result<Src<'m>, String> {
        let v = self
            .model
            .get(name)
            .ok_or_else(|| format!("missing variable {name}"))?;
        Ok(Src {
            name: name.to_string(),
            shape: v.shape.clone(),
            dtype: v.dtype,
            bytes: self.model.data(v),
        })
    }

    /// Adds a tensor: f16 when 2-D or more, f32 otherwise or when `force_f32`.
    fn add(
        &mut self,
        name: String,
        src: Src<'m>,
        force_f32: bool,
    ) -> std::result::Result<(), String> {
        let data = if force_f32 || src.shape.len() < 2 {
            Data::F32(src.to_f32()?)
        } else {
            Data::F16(src.to_f16_bytes()?)
        };
        self.out.push(Out {
            name,
            shape: src.shape,
            data,
        });
        Ok(())
    }

    fn copy(&mut self, ggml: &str, ct2: &str) -> std::result::Result<(), String> {
        let src = self.src(ct2)?;
        self.add(ggml.to_string(), src, false)
    }

    /// weight + bias of a linear layer.
    fn linear(&mut self, ggml: &str, ct2: &str) -> std::result::Result<(), String> {
        self.copy(&format!("{ggml}.weight"), &format!("{ct2}/weight"))?;
        self.copy(&format!("{ggml}.bias"), &format!("{ct2}/bias"))
    }

    fn layer_norm(&mut self, ggml: &str, ct2: &str) -> std::result::Result<(), String> {
        self.copy(&format!("{ggml}.weight"), &format!("{ct2}/gamma"))?;
        self.copy(&format!("{ggml}.bias"), &format!("{ct2}/beta"))
    }

    /// Splits fused projections: `names[i]` takes rows `i*d..(i+1)*d` of weight and bias.
    /// whisper.cpp has no key bias, so `None` marks a bias part that must be zero and is dropped.
    fn split(
        &mut self,
        ct2: &str,
        d: usize,
        names: &[(&str, bool)],
    ) -> std::result::Result<(), String> {
        let w = self.src(&format!("{ct2}/weight"))?;
        let b = self.src(&format!("{ct2}/bias"))?;
        if w.first()? != d * names.len() || b.first()? != d * names.len() {
            return Err(format!(
                "{ct2}: expected {} fused rows, found {:?}",
                d * names.len(),
                w.shape
            ));
        }
        for (i, (name, has_bias)) in names.iter().enumerate() {
            self.add(format!("{name}.weight"), w.rows(i * d, (i + 1) * d), false)?;
            let bias = b.rows(i * d, (i + 1) * d);
            if *has_bias {
                self.add(format!("{name}.bias"), bias, true)?;
            } else if let Some(v) = bias.to_f32()?.into_iter().find(|v| *v != 0.0) {
                return Err(format!(
                    "{ct2}: the key bias is not zero ({v}); whisper.cpp cannot represent it"
                ));
            }
        }
        Ok(())
    }

    fn mlp(&mut self, g: &str, p: &str) -> std::result::Result<(), String> {
        self.linear(&format!("{g}.mlp.0"), &format!("{p}/ffn/linear_0"))?;
        self.linear(&format!("{g}.mlp.2"), &format!("{p}/ffn/linear_1"))?;
        self.layer_norm(&format!("{g}.mlp_ln"), &format!("{p}/ffn/layer_norm"))
    }

    fn self_attention(&mut self, g: &str, p: &str, d: usize) -> std::result::Result<(), String> {
        let (q, k, v) = (
            format!("{g}.attn.query"),
            format!("{g}.attn.key"),
            format!("{g}.attn.value"),
        );
        self.split(
            &format!("{p}/self_attention/linear_0"),
            d,
            &[(&q, true), (&k, false), (&v, true)],
        )?;
        self.linear(
            &format!("{g}.attn.out"),
            &format!("{p}/self_attention/linear_1"),
        )?;
        self.layer_norm(
            &format!("{g}.attn_ln"),
            &format!("{p}/self_attention/layer_norm"),
        )
    }

    fn cross_attention(&mut self, g: &str, p: &str, d: usize) -> std::result::Result<(), String> {
        self.linear(
            &format!("{g}.cross_attn.query"),
            &format!("{p}/attention/linear_0"),
        )?;
        let (k, v) = (
            format!("{g}.cross_attn.key"),
            format!("{g}.cross_attn.value"),
        );
        self.split(
            &format!("{p}/attention/linear_1"),
            d,
            &[(&k, false), (&v, true)],
        )?;
        self.linear(
            &format!("{g}.cross_attn.out"),
            &format!("{p}/attention/linear_2"),
        )?;
        self.layer_norm(
            &format!("{g}.cross_attn_ln"),
            &format!("{p}/attention/layer_norm"),
        )
    }

    fn conv(&mut self, n: u8) -> std::result::Result<(), String> {
        self.copy(
            &format!("encoder.conv{n}.weight"),
            &format!("encoder/conv{n}/weight"),
        )?;
        let mut bias = self.src(&format!("encoder/conv{n}/bias"))?;
        bias.shape = vec![bias.first()?, 1];
        self.add(format!("encoder.conv{n}.bias"), bias, true)
    }
}

/// Byte-level BPE: the printable stand-in character of every byte (GPT-2's `bytes_to_unicode`), inverted.
fn unicode_to_byte() -> std::collections::HashMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from(b'!')..=u32::from(b'~')).collect();
    printable.extend(0xA1..=0xAC);
    printable.extend(0xAE..=0xFF);
    let mut map = std::collections::HashMap::with_capacity(256);
    let mut extra = 0;
    for b in 0u32..256 {
        let c = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        map.insert(char::from_u32(c).expect("valid code point"), b as u8);
    }
    map
}

/// The regular tokens (those before `<|endoftext|>`) as raw bytes.
pub fn token_bytes(vocab: &[String]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let map = unicode_to_byte();
    let end = vocab
        .iter()
        .position(|t| t == "<|endoftext|>")
        .ok_or("the vocabulary has no <|endoftext|> token")?;
    vocab[..end]
        .iter()
        .enumerate()
        .map(|(id, tok)| {
            tok.chars()
                .map(|c| {
                    map.get(&c)
                        .copied()
                        .ok_or_else(|| format!("token {id} {tok:?} is not byte-level BPE"))
                })
                .collect()
        })
        .collect()
}

/// Writes the ggml file.
pub fn convert(model: &Ct2Model, vocab: &[String], mel: &F32Array, out: &Path) -> Result<Report> {
    let err = |reason: String| convert_err(out, reason);
    let hp = hparams(model).map_err(err)?;
    if mel.shape.len() != 2 || mel.shape[0] != hp.n_mels {
        return Err(err(format!(
            "mel filters of shape {:?} do not fit a model with {} mel bins",
            mel.shape, hp.n_mels
        )));
    }
    if vocab.len() != hp.n_vocab {
        return Err(err(format!(
            "the vocabulary has {} tokens, the model {}",
            vocab.len(),
            hp.n_vocab
        )));
    }
    let tokens = token_bytes(vocab).map_err(err)?;

    let mut b = Builder {
        model,
        out: Vec::new(),
    };
    let build = |b: &mut Builder| -> std::result::Result<(), String> {
        let pe = b.src("encoder/position_encodings/encodings")?;
        b.add("encoder.positional_embedding".into(), pe, true)?;
        b.conv(1)?;
        b.conv(2)?;
        for i in 0..hp.n_audio_layer {
            let (g, p) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
            b.self_attention(&g, &p, hp.n_audio_state)?;
            b.mlp(&g, &p)?;
        }
        b.layer_norm("encoder.ln_post", "encoder/layer_norm")?;
        let pe = b.src("decoder/position_encodings/encodings")?;
        b.add("decoder.positional_embedding".into(), pe, true)?;
        b.copy(
            "decoder.token_embedding.weight",
            "decoder/embeddings/weight",
        )?;
        for i in 0..hp.n_text_layer {
            let (g, p) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
            b.self_attention(&g, &p, hp.n_text_state)?;
            b.cross_attention(&g, &p, hp.n_text_state)?;
            b.mlp(&g, &p)?;
        }
        b.layer_norm("decoder.ln", "decoder/layer_norm")
    };
    build(&mut b).map_err(err)?;

    // Written next to `out` and renamed when whole: a failed or cut
    // conversion never leaves a half file where a model is expected.
    let partial = crate::http::partial_path(out);
    let tmp_err = |e: std::io::Error| ModelError::io(&partial, e);
    let file = File::create(&partial).map_err(tmp_err)?;
    let mut w = Counting {
        inner: BufWriter::with_capacity(8 << 20, file),
        n: 0,
    };
    let i32s = |w: &mut Counting<_>, vals: &[usize]| -> std::io::Result<()> {
        for v in vals {
            let v = i32::try_from(*v).map_err(|_| {
                std::io::Error::other(format!("{v} does not fit a ggml header field"))
            })?;
            w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    };
    let write = |w: &mut Counting<BufWriter<File>>| -> std::io::Result<()> {
        w.write_all(&GGML_MAGIC.to_le_bytes())?;
        i32s(
            w,
            &[
                hp.n_vocab,
                hp.n_audio_ctx,
                hp.n_audio_state,
                hp.n_audio_head,
                hp.n_audio_layer,
                hp.n_text_ctx,
                hp.n_text_state,
                hp.n_text_head,
                hp.n_text_layer,
                hp.n_mels,
                FTYPE_MOSTLY_Q8_0,
            ],
        )?;
        i32s(w, &[mel.shape[0], mel.shape[1]])?;
        for v in &mel.data {
            w.write_all(&v.to_le_bytes())?;
        }
        i32s(w, &[tokens.len()])?;
        for t in &tokens {
            i32s(w, &[t.len()])?;
            w.write_all(t)?;
        }
        for t in &b.out {
            let q8 = quantized(&t.shape, &t.data);
            let ttype = match t.data {
                Data::F32(_) => 0,
                Data::F16(_) if q8 => GGML_TYPE_Q8_0,
                Data::F16(_) => 1,
            };
            i32s(w, &[t.shape.len(), t.name.len(), ttype])?;
            let reversed: Vec<usize> = t.shape.iter().rev().copied().collect();
            i32s(w, &reversed)?;
            w.write_all(t.name.as_bytes())?;
            match &t.data {
                Data::F16(bytes) if q8 => w.write_all(&q8_0(bytes))?,
                Data::F16(bytes) => w.write_all(bytes)?,
                Data::F32(vals) => {
                    for v in vals {
                        w.write_all(&v.to_le_bytes())?;
                    }
                }
            }
        }
        w.flush()?;
        w.inner.get_ref().sync_all()
    };
    let written = write(&mut w);
    let bytes = w.n;
    drop(w);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(tmp_err(e));
    }
    crate::durable::rename_durably(&partial, out).map_err(|e| ModelError::io(out, e))?;
    Ok(Report {
        hparams: hp,
        tensors: b.out.len(),
        tokens: tokens.len(),
        bytes,
    })
}

struct Counting<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Where a converted model goes when a person imports their own faster-whisper folder.
pub fn default_output_name(ct2_dir: &Path) -> PathBuf {
    let stem = ct2_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    PathBuf::from(format!("ggml-{stem}.bin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_tokens_decode_to_raw_bytes() {
        let vocab: Vec<String> = ["!", "Ġthe", "Ċ", "", "<|endoftext|>", "<|en|>"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let t = token_bytes(&vocab).unwrap();
        assert_eq!(
            t,
            vec![b"!".to_vec(), b" the".to_vec(), b"\n".to_vec(), vec![]]
        );
    }

    #[test]
    fn q8_0_blocks_are_a_scale_then_32_rounded_bytes() {
        let values: Vec<f32> = (0..64).map(|i| (i as f32 - 20.0) / 8.0).collect();
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        let q = super::q8_0(&bytes);
        assert_eq!(q.len(), 2 * 34);
        for (block, vals) in q.chunks(34).zip(values.chunks(32)) {
            let d = half::f16::from_le_bytes([block[0], block[1]]).to_f32();
            let amax = vals.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!((d - amax / 127.0).abs() < 1e-3, "{d}");
            for (qi, v) in block[2..].iter().zip(vals) {
                // Each value comes back within half a step.
                assert!(((*qi as i8) as f32 * d - v).abs() <= d * 0.51, "{v}");
            }
        }
        // An all-zero block has a zero scale and zero values.
        assert!(super::q8_0(&[0u8; 64]).iter().all(|b| *b == 0));
    }

    #[test]
    fn every_byte_has_one_stand_in() {
        let m = unicode_to_byte();
        assert_eq!(m.len(), 256);
        let mut bytes: Vec<u8> = m.values().copied().collect();
        bytes.sort();
        bytes.dedup();
        assert_eq!(bytes.len(), 256);
    }
}
