//! What the CLI's integration tests share.

use std::io::BufRead;

/// Reads an HTTP message's header lines up to the blank line (or the end of
/// the stream) and returns its `Content-Length`, 0 when it has none.
pub fn content_length(reader: &mut impl BufRead) -> usize {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            return length;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
}
