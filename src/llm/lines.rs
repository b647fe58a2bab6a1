//! Reading the worker's JSON lines with a bound on their length.
//!
//! `BufRead::lines` grows its buffer until a newline comes: a worker gone
//! wrong (or a library printing to stdout) that writes without one would
//! fill the app's memory. The standard library has no bounded line reader,
//! hence these few lines.

use std::io::{self, BufRead, Read};

/// The longest line a worker may send: a message holds one event (a token,
/// a sentence, a whole reply at most), far below this.
pub const MAX_LINE: usize = 1 << 20;

/// The next line of `input` without its newline, `None` at the end of
/// input, or an error for a line longer than `max` bytes or not UTF-8 (the
/// rest of the input is not read).
pub fn next_line(input: &mut impl BufRead, max: usize) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = input.take(max as u64 + 1).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {max} bytes"),
        ));
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a line that is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_back_whole_and_an_endless_one_is_an_error() {
        let mut input = io::Cursor::new(b"{\"a\":1}\r\n\nlast".to_vec());
        assert_eq!(
            next_line(&mut input, 16).unwrap().as_deref(),
            Some("{\"a\":1}")
        );
        assert_eq!(next_line(&mut input, 16).unwrap().as_deref(), Some(""));
        assert_eq!(next_line(&mut input, 16).unwrap().as_deref(), Some("last"));
        assert_eq!(next_line(&mut input, 16).unwrap(), None);

        // Exactly the limit is fine; one byte more is not, and is not read
        // into memory beyond the limit.
        let mut input = io::Cursor::new([vec![b'x'; 16], b"\n".to_vec()].concat());
        assert_eq!(next_line(&mut input, 16).unwrap().unwrap().len(), 16);
        let mut endless = io::repeat(b'x');
        let mut endless = io::BufReader::new(&mut endless);
        let e = next_line(&mut endless, 1 << 16).unwrap_err();
        assert!(e.to_string().contains("longer than 65536"), "{e}");

        let mut input = io::Cursor::new(b"\xff\xfe\n".to_vec());
        assert!(next_line(&mut input, 16).is_err());
    }
}
