//! Reads little-endian float32 arrays from `.npy` members of an `.npz` file.
//!
//! Written by hand: the only arrays read are Whisper's mel filter banks (plain
//! C-order `<f4`), and the header is a one-line Python dict; a general NumPy
//! crate would add a second zip version to the build for these twenty lines.

use std::io::Read;
use std::path::Path;

use crate::error::{ModelError, Result};

/// A 2-D (or 1-D) float32 array: shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct F32Array {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Reads member `name` (e.g. `mel_80`, with or without `.npy`) of the npz at `path`.
pub fn read_npz_f32(path: &Path, name: &str) -> Result<F32Array> {
    let bad = |reason: String| ModelError::Archive {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| ModelError::io(path, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    let member = if name.ends_with(".npy") {
        name.to_string()
    } else {
        format!("{name}.npy")
    };
    let mut entry = zip
        .by_name(&member)
        .map_err(|e| bad(format!("no array {member}: {e}")))?;
    // A filter bank is tens of kilobytes: a member that inflates past this
    // is not one (and is not read whole into memory).
    const LIMIT: u64 = 64 << 20;
    let mut bytes = Vec::new();
    (&mut entry)
        .take(LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(e.to_string()))?;
    if bytes.len() as u64 > LIMIT {
        return Err(bad(format!("{member} is larger than {} MB", LIMIT >> 20)));
    }
    parse_npy_f32(&bytes).map_err(|reason| bad(format!("{member}: {reason}")))
}

/// Parses an `.npy` byte string holding a C-order little-endian float32 array.
pub fn parse_npy_f32(bytes: &[u8]) -> std::result::Result<F32Array, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not an .npy file".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = std::str::from_utf8(
        bytes
            .get(start..start + header_len)
            .ok_or("truncated header")?,
    )
    .map_err(|_| "header is not text")?;
    if !header.contains("'descr': '<f4'") {
        return Err(format!(
            "expected little-endian float32, header is {header}"
        ));
    }
    if header.contains("'fortran_order': True") {
        return Err("Fortran-order arrays are not supported".into());
    }
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or("no shape in header")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|e| format!("bad shape {shape_text}: {e}"))
        })
        .collect::<std::result::Result<_, _>>()?;
    // The header's sizes are not trusted: a product that overflows is an
    // error, not a wrapped (and then wrongly accepted) size.
    let size = shape
        .iter()
        .try_fold(4usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("shape {shape_text} is too large"))?;
    let body = &bytes[start + header_len..];
    if body.len() != size {
        return Err(format!("expected {size} data bytes, found {}", body.len()));
    }
    let data = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(F32Array { shape, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_small_array() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        let mut padded = header.to_string();
        while !(10 + padded.len() + 1).is_multiple_of(64) {
            padded.push(' ');
        }
        padded.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(padded.len() as u16).to_le_bytes());
        bytes.extend_from_slice(padded.as_bytes());
        for v in [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.5] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let a = parse_npy_f32(&bytes).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data[5], 6.5);
        assert!(parse_npy_f32(&bytes[..bytes.len() - 1]).is_err());
        assert!(parse_npy_f32(b"nope").is_err());
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn npy(shape: &str, body: &[u8]) -> Vec<u8> {
            let header =
                format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape}), }}\n");
            let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
            bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
            bytes.extend_from_slice(header.as_bytes());
            bytes.extend_from_slice(body);
            bytes
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Whatever the bytes, an array or an error; an array's values
            /// always fill its shape.
            #[test]
            fn any_bytes_give_an_error_or_a_consistent_array(
                bytes in proptest::collection::vec(any::<u8>(), 0..200)
            ) {
                if let Ok(a) = parse_npy_f32(&bytes) {
                    prop_assert_eq!(a.data.len(), a.shape.iter().product::<usize>());
                }
            }

            /// Header sizes are not trusted: dimensions whose product
            /// overflows (or does not match the data) are an error.
            #[test]
            fn header_dimensions_never_overflow(
                dims in proptest::collection::vec(any::<u64>(), 0..4),
                body in proptest::collection::vec(any::<u8>(), 0..64),
            ) {
                let shape: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
                let bytes = npy(&format!("{},", shape.join(", ")), &body);
                if let Ok(a) = parse_npy_f32(&bytes) {
                    prop_assert_eq!(a.data.len() * 4, body.len());
                    prop_assert_eq!(a.data.len(), a.shape.iter().product::<usize>());
                }
            }
        }
    }
}
