//! Reader for CTranslate2 `model.bin` files (binary versions 3 to 6), the
//! format faster-whisper models ship in. Layout (little-endian), as written by
//! CTranslate2's `python/ctranslate2/specs/model_spec.py`:
//!
//! ```text
//! u32 version; [v>=2] string spec_name; u32 spec_revision
//! u32 n_variables; n × { string name; u8 rank; u32 dims[rank]; u8 dtype; u32 n_bytes; bytes }
//! [v>=3] u32 n_aliases; n × { string alias; string target }
//! string = u16 length (including a trailing NUL) + bytes
//! ```
//! Written by hand: no Rust crate reads this format.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{ModelError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    fn from_id(id: u8) -> Option<DType> {
        Some(match id {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub shape: Vec<usize>,
    pub dtype: DType,
    offset: usize,
    len: usize,
}

/// A whole CTranslate2 model in memory.
pub struct Ct2Model {
    pub spec: String,
    pub revision: u32,
    bytes: Vec<u8>,
    vars: HashMap<String, Variable>,
    aliases: HashMap<String, String>,
    order: Vec<String>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("truncated at byte {} (wanted {n} more bytes)", self.pos))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> std::result::Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> std::result::Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> std::result::Result<String, String> {
        let n = self.u16()? as usize;
        let b = self.take(n)?;
        let b = b.strip_suffix(&[0]).unwrap_or(b);
        String::from_utf8(b.to_vec()).map_err(|_| format!("non-UTF-8 name near byte {}", self.pos))
    }
}

impl Ct2Model {
    pub fn open(path: &Path) -> Result<Ct2Model> {
        let bytes = std::fs::read(path).map_err(|e| ModelError::io(path, e))?;
        Ct2Model::parse(bytes).map_err(|reason| ModelError::Convert {
            path: path.to_path_buf(),
            reason: format!("not a readable CTranslate2 model.bin: {reason}"),
        })
    }

    pub fn parse(bytes: Vec<u8>) -> std::result::Result<Ct2Model, String> {
        let mut c = Cursor {
            bytes: &bytes,
            pos: 0,
        };
        let version = c.u32()?;
        if !(2..=6).contains(&version) {
            return Err(format!(
                "unsupported binary version {version} (supported: 2 to 6)"
            ));
        }
        let spec = c.string()?;
        let revision = c.u32()?;
        let n = c.u32()? as usize;
        if n > 100_000 {
            return Err(format!("implausible variable count {n}"));
        }
        let mut vars = HashMap::with_capacity(n);
        let mut order = Vec::with_capacity(n);
        for _ in 0..n {
            let name = c.string()?;
            let rank = c.u8()? as usize;
            let shape = (0..rank)
                .map(|_| c.u32().map(|d| d as usize))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let dtype_id = c.u8()?;
            let dtype = DType::from_id(dtype_id)
                .ok_or_else(|| format!("variable {name}: unknown dtype {dtype_id}"))?;
            let len = c.u32()? as usize;
            // Checked: a header's dimensions may multiply past usize.
            let need = shape
                .iter()
                .try_fold(1usize, |n, &d| n.checked_mul(d))
                .map(|count| count.max(1))
                .and_then(|count| count.checked_mul(dtype.size()))
                .ok_or_else(|| format!("variable {name}: shape {shape:?} is too large"))?;
            if need != len {
                return Err(format!(
                    "variable {name}: shape {shape:?} of {dtype:?} needs {need} bytes, header says {len}"
                ));
            }
            let offset = c.pos;
            c.take(len)?;
            order.push(name.clone());
            vars.insert(
                name,
                Variable {
                    shape,
                    dtype,
                    offset,
                    len,
                },
            );
        }
        let mut aliases = HashMap::new();
        if version >= 3 {
            let n = c.u32()? as usize;
            for _ in 0..n {
                let alias = c.string()?;
                let target = c.string()?;
                aliases.insert(alias, target);
            }
        }
        if c.pos != bytes.len() {
            return Err(format!(
                "{} trailing bytes after the last variable",
                bytes.len() - c.pos
            ));
        }
        Ok(Ct2Model {
            spec,
            revision,
            bytes,
            vars,
            aliases,
            order,
        })
    }

    /// Variable names in file order.
    pub fn names(&self) -> &[String] {
        &self.order
    }

    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.vars
            .get(name)
            .or_else(|| self.aliases.get(name).and_then(|t| self.vars.get(t)))
    }

    pub fn data(&self, var: &Variable) -> &[u8] {
        &self.bytes[var.offset..var.offset + var.len]
    }

    /// A scalar integer variable (e.g. `encoder/num_heads`).
    pub fn scalar_int(&self, name: &str) -> Option<i64> {
        let v = self.get(name)?;
        let d = self.data(v);
        Some(match v.dtype {
            DType::I8 => d[0] as i8 as i64,
            DType::I16 => i16::from_le_bytes([d[0], d[1]]) as i64,
            DType::I32 => i32::from_le_bytes([d[0], d[1], d[2], d[3]]) as i64,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    fn tiny() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&6u32.to_le_bytes());
        string(&mut b, "WhisperSpec");
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&2u32.to_le_bytes());
        string(&mut b, "a/weight");
        b.push(2);
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&2u32.to_le_bytes());
        b.push(4);
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&[0, 60, 0, 64, 0, 66, 0, 68]); // f16 1, 2, 3, 4
        string(&mut b, "heads");
        b.push(0);
        b.push(2);
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&8i16.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        string(&mut b, "b/weight");
        string(&mut b, "a/weight");
        b
    }

    #[test]
    fn reads_variables_scalars_and_aliases() {
        let m = Ct2Model::parse(tiny()).unwrap();
        assert_eq!(m.spec, "WhisperSpec");
        assert_eq!(m.get("b/weight").unwrap().shape, vec![2, 2]);
        assert_eq!(m.scalar_int("heads"), Some(8));
        assert_eq!(m.data(m.get("a/weight").unwrap()).len(), 8);
    }

    #[test]
    fn truncated_file_is_an_error_not_a_panic() {
        let bytes = tiny();
        for cut in [0, 3, 10, 30, bytes.len() - 1] {
            assert!(
                Ct2Model::parse(bytes[..cut].to_vec()).is_err(),
                "cut at {cut}"
            );
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// A model.bin with any byte changed, cut or extended parses
            /// or is an error: never a panic, never an overflowed size, and
            /// every variable it accepts lies inside the file.
            #[test]
            fn damaged_model_files_are_errors_not_panics(
                at in any::<prop::sample::Index>(),
                value in any::<u8>(),
                cut in any::<prop::sample::Index>(),
                extra in proptest::collection::vec(any::<u8>(), 0..8),
            ) {
                let mut bytes = tiny();
                let i = at.index(bytes.len());
                bytes[i] = value;
                bytes.truncate(cut.index(bytes.len() + 1).max(i));
                bytes.extend_from_slice(&extra);
                if let Ok(m) = Ct2Model::parse(bytes) {
                    for name in m.names() {
                        let v = m.get(name).unwrap();
                        // Both index into the file: a size the header
                        // made up would panic here.
                        let _ = m.data(v);
                        let _ = m.scalar_int(name);
                    }
                }
            }

            #[test]
            fn any_bytes_are_an_error_or_a_model(
                bytes in proptest::collection::vec(any::<u8>(), 0..300)
            ) {
                let _ = Ct2Model::parse(bytes);
            }
        }
    }
}
