//! Reading lines from outside with a bound on their length: the LLM
//! worker's JSON lines and a model server's event stream.
//!
//! `BufRead::lines` and `read_until` grow their buffer until a newline
//! comes: a peer gone wrong that writes without one would fill the app's
//! memory. The standard library has no bounded line reader.

use std::io::{self, BufRead, Read};

/// Why a line could not be read.
#[derive(Debug)]
pub enum LineError {
    /// Longer than the bound (the rest of it is not read).
    TooLong,
    Io(io::Error),
}

/// The next line of `input` without its line ending (`\n` or `\r\n`),
/// `None` at the end of input, or an error for a line longer than `max`
/// bytes.
pub fn next_line(input: &mut impl BufRead, max: usize) -> Result<Option<Vec<u8>>, LineError> {
    let mut buf = Vec::new();
    let n = input
        .take(max as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(LineError::Io)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > max {
        return Err(LineError::TooLong);
    }
    Ok(Some(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: Option<Vec<u8>>) -> Option<String> {
        line.map(|l| String::from_utf8(l).unwrap())
    }

    #[test]
    fn lines_come_back_whole_and_an_endless_one_is_an_error() {
        let mut input = io::Cursor::new(b"{\"a\":1}\r\n\nlast".to_vec());
        let mut next = || text(next_line(&mut input, 16).unwrap());
        assert_eq!(next().as_deref(), Some("{\"a\":1}"));
        assert_eq!(next().as_deref(), Some(""));
        assert_eq!(next().as_deref(), Some("last"));
        assert_eq!(next(), None);

        // Exactly the limit is fine; one byte more is not, and is not read
        // into memory beyond the limit.
        let mut input = io::Cursor::new([vec![b'x'; 16], b"\n".to_vec()].concat());
        assert_eq!(next_line(&mut input, 16).unwrap().unwrap().len(), 16);
        let mut endless = io::BufReader::new(io::repeat(b'x'));
        assert!(matches!(
            next_line(&mut endless, 1 << 16),
            Err(LineError::TooLong)
        ));
    }
}
