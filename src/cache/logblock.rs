//! Log block codec: consecutive lines of one stream, sorted by (timestamp, line), compressed
//! together (zlib: deflate with an Adler-32 check, pure Rust through `flate2`'s miniz_oxide).
//!
//! Layout:
//!
//! ```text
//! byte 0      format version (1)
//! varint      n, lines in the block (1..=DECODE_LINES)
//! varint      size of the payload once inflated (<= DECODE_BYTES)
//! rest        zlib of the payload:
//!   per line  zigzag varint of ts - previous ts (wrapping; the first line: of ts itself)
//!   per line  varint of (length of the line in bytes) << 1 | truncated
//!   then      the lines' UTF-8 bytes, concatenated
//! ```
//!
//! Timestamps and lengths come first and the text after, so deflate sees the lines one after the
//! other (they repeat each other) and the small numbers together. The counts come before the
//! compressed part, so a damaged blob cannot make the decoder inflate more than it says it holds.
//! Decoding checks everything it can (the Adler-32, the sizes, UTF-8, the order): a damaged block is
//! an error, never a panic; the cache skips it with a warning.

use std::io::{Read, Write};

use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;

use crate::source::loki::LogLine;

/// Most bytes of line text the cache puts in one block (a block holds at least one line). Deflate
/// looks back 32 KiB: 64 KiB blocks compress nearly as well as larger ones, and a read of the newest
/// lines inflates at most one block more than it shows per stream.
pub const BLOCK_BYTES: usize = 64 * 1024;

/// Most lines the cache puts in one block.
pub const BLOCK_LINES: usize = 2048;

/// Largest line count [`decode`] accepts; bounds the memory a damaged blob can ask for.
pub const DECODE_LINES: usize = 65_536;

/// Largest inflated payload [`decode`] accepts (far above a block of the cache's own making).
pub const DECODE_BYTES: usize = 16 << 20;

const VERSION: u8 = 1;

/// Why a log block cannot be decoded. The cache skips such a block and keeps going.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlockError {
    #[error("log block is empty")]
    Empty,
    #[error("log block format version {0} is unknown (this build reads version {VERSION})")]
    Version(u8),
    #[error("log block claims {0} lines, more than the limit of {DECODE_LINES}")]
    TooMany(u64),
    #[error("log block claims {0} bytes, more than the limit of {DECODE_BYTES}")]
    TooBig(u64),
    #[error("log block header ends early")]
    Truncated,
    #[error("log block data does not inflate: {0}")]
    Inflate(String),
    #[error("log block data is inconsistent: {0}")]
    Invalid(&'static str),
}

/// A decoded block: its lines in (timestamp, line) order, the text held once.
#[derive(Debug)]
pub struct Block {
    text: String,
    /// (timestamp, start of the line in `text`, end, truncated).
    entries: Vec<(i64, usize, usize, bool)>,
}

impl Block {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Line `i`: (timestamp, text, truncated); `None` past the end.
    pub fn get(&self, i: usize) -> Option<(i64, &str, bool)> {
        let &(ts, a, b, t) = self.entries.get(i)?;
        Some((ts, self.text.get(a..b)?, t))
    }

    /// The lines as owned values, in order.
    pub fn into_lines(self) -> Vec<LogLine> {
        (0..self.len())
            .filter_map(|i| self.get(i))
            .map(|(ts_ns, line, truncated)| LogLine {
                ts_ns,
                line: line.to_string(),
                truncated,
            })
            .collect()
    }
}

/// Encodes `lines`, which the caller keeps sorted by (timestamp, line), without duplicates and
/// within [`DECODE_LINES`] and [`DECODE_BYTES`] (the cache's blocks are far smaller).
pub fn encode(lines: &[LogLine], level: u32) -> Vec<u8> {
    let text: usize = lines.iter().map(|l| l.line.len()).sum();
    let mut payload = Vec::with_capacity(text + lines.len() * 6);
    let mut prev: i64 = 0;
    for l in lines {
        write_varint(&mut payload, zigzag(l.ts_ns.wrapping_sub(prev)));
        prev = l.ts_ns;
    }
    for l in lines {
        write_varint(
            &mut payload,
            (l.line.len() as u64) << 1 | u64::from(l.truncated),
        );
    }
    for l in lines {
        payload.extend_from_slice(l.line.as_bytes());
    }
    let mut out = Vec::with_capacity(16 + payload.len() / 4);
    out.push(VERSION);
    write_varint(&mut out, lines.len() as u64);
    write_varint(&mut out, payload.len() as u64);
    let mut z = ZlibEncoder::new(out, Compression::new(level));
    // Writing into a Vec cannot fail.
    let _ = z.write_all(&payload);
    z.finish().unwrap_or_default()
}

/// Decodes a block written by [`encode`].
pub fn decode(data: &[u8]) -> Result<Block, BlockError> {
    let (&version, mut rest) = data.split_first().ok_or(BlockError::Empty)?;
    if version != VERSION {
        return Err(BlockError::Version(version));
    }
    let n = read_varint(&mut rest).ok_or(BlockError::Truncated)?;
    if n == 0 {
        return Err(BlockError::Invalid("no lines"));
    }
    if n > DECODE_LINES as u64 {
        return Err(BlockError::TooMany(n));
    }
    let size = read_varint(&mut rest).ok_or(BlockError::Truncated)?;
    if size > DECODE_BYTES as u64 {
        return Err(BlockError::TooBig(size));
    }
    let (n, size) = (n as usize, size as usize);
    let mut payload = Vec::with_capacity(size);
    ZlibDecoder::new(rest)
        .take(size as u64 + 1)
        .read_to_end(&mut payload)
        .map_err(|e| BlockError::Inflate(e.to_string()))?;
    if payload.len() != size {
        return Err(BlockError::Invalid("inflated size differs from the header"));
    }
    let mut p: &[u8] = &payload;
    let mut entries = Vec::with_capacity(n);
    let mut ts: i64 = 0;
    for _ in 0..n {
        let d = read_varint(&mut p).ok_or(BlockError::Invalid("timestamps end early"))?;
        ts = ts.wrapping_add(unzigzag(d));
        entries.push((ts, 0, 0, false));
    }
    let mut at = 0usize;
    for e in entries.iter_mut() {
        let v = read_varint(&mut p).ok_or(BlockError::Invalid("lengths end early"))?;
        let len = usize::try_from(v >> 1).map_err(|_| BlockError::Invalid("a line too long"))?;
        let end = at
            .checked_add(len)
            .ok_or(BlockError::Invalid("a line too long"))?;
        *e = (e.0, at, end, v & 1 == 1);
        at = end;
    }
    if at != p.len() {
        return Err(BlockError::Invalid("line lengths differ from the text"));
    }
    let text =
        String::from_utf8(p.to_vec()).map_err(|_| BlockError::Invalid("text is not UTF-8"))?;
    let block = Block { text, entries };
    // Every line on character boundaries, in strictly increasing (timestamp, line) order: the
    // cache's deduplication relies on it.
    let mut prev: Option<(i64, &str)> = None;
    for i in 0..block.len() {
        let (ts, line, _) = block
            .get(i)
            .ok_or(BlockError::Invalid("a line is not on a character boundary"))?;
        if prev.is_some_and(|p| p >= (ts, line)) {
            return Err(BlockError::Invalid("lines out of order"));
        }
        prev = Some((ts, line));
    }
    Ok(block)
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(p: &mut &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = p.split_first()?;
        *p = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ts_ns: i64, s: &str, truncated: bool) -> LogLine {
        LogLine {
            ts_ns,
            line: s.to_string(),
            truncated,
        }
    }

    #[test]
    fn lines_round_trip_exactly() {
        let lines = vec![
            line(i64::MIN, "", false),
            line(-5, "minus", true),
            line(0, "a", false),
            line(0, "b \u{1b}[2J é", false),
            line(1_700_000_000_000_000_000, &"x".repeat(70_000), true),
            line(i64::MAX, "last", false),
        ];
        let b = decode(&encode(&lines, 6)).unwrap();
        assert_eq!(b.into_lines(), lines);
    }

    #[test]
    fn a_damaged_block_is_an_error_not_a_panic() {
        let lines: Vec<LogLine> = (0..300)
            .map(|i| line(i * 1000, &format!("line {i} é"), i % 7 == 0))
            .collect();
        let good = encode(&lines, 6);
        assert!(decode(&[]).is_err());
        assert!(decode(&[9, 1, 1]).is_err());
        for cut in 0..good.len() {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..good.len() {
            for bit in [0x01, 0x10, 0x80] {
                let mut bad = good.clone();
                bad[i] ^= bit;
                // Either rejected or, if the flip is in a place deflate ignores, the same lines.
                if let Ok(b) = decode(&bad) {
                    assert_eq!(b.len(), lines.len());
                }
            }
        }
        // Huge counts in the header are refused before anything is allocated.
        let mut huge = vec![VERSION];
        write_varint(&mut huge, u64::MAX);
        write_varint(&mut huge, 10);
        assert_eq!(decode(&huge).unwrap_err(), BlockError::TooMany(u64::MAX));
    }
}
