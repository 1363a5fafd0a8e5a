//! Sample chunk codec: Gorilla-style delta-of-delta timestamps; values as exact scaled integers when
//! they are short decimals (counters, most gauges), else XOR-packed float bits.
//!
//! Layout (bit stream, most significant bit first, zero-padded to a whole byte):
//!
//! ```text
//! byte 0          format version (2; version 1 = the same without the mode bits, XOR values only)
//! 16 bits         sample count n (0..=DECODE_LIMIT)
//! 2 bits          value mode: 0 = XOR, 1 = integer deltas, 2 = integer delta-of-deltas, 3 = packed deltas
//! if mode 1-3:    4 bits decimal exponent e (value = integer / 10^e, bit-exact)
//! if mode 3:      base delta as zigzag with a 7-bit length prefix, 7 bits width w
//! per sample:     time, then value
//!   time          t0 and t1 - t0 as zigzag with a 7-bit length prefix, then delta-of-delta buckets
//!                 '0' = 0 | '10' + 14 bits | '110' + 17 bits | '1110' + 20 bits | '1111' + 64 bits (zigzag)
//!   value, XOR    v0 as 64 raw bits, then '0' = same bits | '10' + bits in the previous window
//!                 | '11' + 5 bits leading zeros + 6 bits width (0 = 64) + width bits
//!   value, ints   i0 as zigzag with a 7-bit length prefix, then zigzag (delta-of-)deltas in buckets
//!                 '0' = 0 | '10' + 6 bits | '110' + 13 bits | '1110' + 24 bits | '1111' + 64 bits;
//!                 mode 3: delta - base in exactly w bits
//! ```
//!
//! The encoder picks the value mode per chunk by its size. Prometheus' XOR coding cannot exploit decimal
//! values; this is where the cache beats its bytes per sample on the same data (see BENCHMARKS.md).
//!
//! Time arithmetic wraps, so any `i64` timestamps round-trip (sorted or not), and values are compared as
//! bits, so NaN payloads (Prometheus stale markers) and ±Inf round-trip exactly.

use crate::source::Sample;

/// Samples per stored chunk: 2 h at a 15 s step. Larger than Prometheus' 120 because each chunk is a
/// SQLite row (with an index entry, about 50 bytes); at 480 that costs ~0.1 byte per sample.
pub const MAX_SAMPLES: usize = 480;

/// Largest count [`decode`] accepts (and [`encode`] writes); bounds the memory a damaged blob can ask for.
pub const DECODE_LIMIT: usize = 4096;

const VERSION: u8 = 2;

/// Why a chunk blob cannot be decoded. The cache skips such a chunk and keeps going.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChunkError {
    #[error("chunk is empty")]
    Empty,
    #[error("chunk format version {0} is unknown (this build reads versions 1 and {VERSION})")]
    Version(u8),
    #[error("chunk claims {0} samples, more than the limit of {DECODE_LIMIT}")]
    TooMany(usize),
    #[error("chunk data ends early, at bit {0}")]
    Truncated(usize),
    #[error("chunk data is inconsistent at bit {0}")]
    Invalid(usize),
    #[error("chunk has {0} unexpected trailing bits")]
    Trailing(usize),
}

/// Encodes samples in the given order. Callers keep chunks at [`MAX_SAMPLES`]; samples past
/// [`DECODE_LIMIT`] are not written.
pub fn encode(samples: &[Sample]) -> Vec<u8> {
    let samples = samples.get(..DECODE_LIMIT).unwrap_or(samples);
    let mode = choose_values(samples);
    let mut w = BitWriter::with_capacity(8 + samples.len() * 2);
    w.write_bits(u64::from(VERSION), 8);
    w.write_bits(samples.len() as u64, 16);
    match &mode {
        Values::Xor => w.write_bits(0, 2),
        Values::Ints { exp, mode, .. } => {
            w.write_bits(
                match mode {
                    IntMode::Delta => 1,
                    IntMode::Dod => 2,
                    IntMode::Packed { .. } => 3,
                },
                2,
            );
            w.write_bits(u64::from(*exp), 4);
            if let IntMode::Packed { base, width } = mode {
                write_len_prefixed(&mut w, zigzag(*base));
                w.write_bits(u64::from(*width), 7);
            }
        }
    }
    let mut prev_t: i64 = 0;
    let mut prev_delta: i64 = 0;
    let mut xor = XorState::default();
    let mut ints = IntState::default();
    for (i, s) in samples.iter().enumerate() {
        match i {
            0 => write_len_prefixed(&mut w, zigzag(s.t)),
            1 => {
                prev_delta = s.t.wrapping_sub(prev_t);
                write_len_prefixed(&mut w, zigzag(prev_delta));
            }
            _ => {
                let delta = s.t.wrapping_sub(prev_t);
                let dod = zigzag(delta.wrapping_sub(prev_delta));
                prev_delta = delta;
                if dod == 0 {
                    w.write_bit(false);
                } else if dod < 1 << 14 {
                    w.write_bits(0b10, 2);
                    w.write_bits(dod, 14);
                } else if dod < 1 << 17 {
                    w.write_bits(0b110, 3);
                    w.write_bits(dod, 17);
                } else if dod < 1 << 20 {
                    w.write_bits(0b1110, 4);
                    w.write_bits(dod, 20);
                } else {
                    w.write_bits(0b1111, 4);
                    w.write_bits(dod, 64);
                }
            }
        }
        match &mode {
            Values::Xor if i == 0 => {
                w.write_bits(s.v.to_bits(), 64);
                xor.prev = s.v.to_bits();
            }
            Values::Xor => xor.write(&mut w, s.v.to_bits()),
            Values::Ints { ints: xs, mode, .. } => {
                ints.write(&mut w, xs.get(i).copied().unwrap_or(0), i, *mode)
            }
        }
        prev_t = s.t;
    }
    w.finish()
}

/// How a chunk's values are coded.
enum Values {
    /// Gorilla XOR of the float bits: any value, NaN payloads included.
    Xor,
    /// Every value is `int / 10^exp` exactly (counters, gauges with a few decimals): the integers are
    /// coded as deltas, deltas of deltas, or deltas packed at a fixed width, whichever is smallest.
    Ints {
        exp: u32,
        mode: IntMode,
        ints: Vec<i64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntMode {
    /// Deltas in variable-length buckets.
    Delta,
    /// Deltas of deltas in variable-length buckets.
    Dod,
    /// `delta - base` in exactly `width` bits (frame of reference).
    Packed { base: i64, width: u32 },
}

/// Largest decimal exponent tried for [`Values::Ints`].
const MAX_EXP: u32 = 9;

/// Integers that give back exactly the same float bits, if every value is a decimal with at most
/// [`MAX_EXP`] digits after the point and below 2^53 in magnitude once scaled.
fn as_ints(samples: &[Sample], exp: u32) -> Option<Vec<i64>> {
    let scale = 10f64.powi(exp as i32);
    samples
        .iter()
        .map(|s| {
            let x = (s.v * scale).round();
            if !x.is_finite() || x.abs() >= 9_007_199_254_740_992.0 {
                return None;
            }
            let i = x as i64;
            ((i as f64 / scale).to_bits() == s.v.to_bits()).then_some(i)
        })
        .collect()
}

fn choose_values(samples: &[Sample]) -> Values {
    if samples.len() < 3 {
        return Values::Xor;
    }
    let Some((exp, ints)) = (0..=MAX_EXP).find_map(|e| as_ints(samples, e).map(|v| (e, v))) else {
        return Values::Xor;
    };
    let (mut delta_bits, mut dod_bits) = (0u64, 0u64);
    for i in 1..ints.len() {
        let d = ints[i].wrapping_sub(ints[i - 1]);
        delta_bits += u64::from(IntState::cost(zigzag(d)));
        let dd = if i >= 2 {
            d.wrapping_sub(ints[i - 1].wrapping_sub(ints[i - 2]))
        } else {
            d
        };
        dod_bits += u64::from(IntState::cost(zigzag(dd)));
    }
    let deltas = ints.windows(2).map(|w| w[1].wrapping_sub(w[0]));
    let (lo, hi) = deltas.fold((i64::MAX, i64::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let width = bit_len(hi.wrapping_sub(lo) as u64);
    let packed_bits =
        7 + 7 + u64::from(bit_len(zigzag(lo))) + u64::from(width) * (ints.len() as u64 - 1);
    let (int_bits, mode) = [
        (delta_bits, IntMode::Delta),
        (dod_bits, IntMode::Dod),
        (packed_bits, IntMode::Packed { base: lo, width }),
    ]
    .into_iter()
    .min_by_key(|c| c.0)
    .unwrap_or((delta_bits, IntMode::Delta));
    // Compare with what XOR would take; it wins on noisy floats that happen to be short decimals.
    let mut probe = BitWriter::with_capacity(samples.len() * 8);
    let mut xor = XorState {
        prev: samples[0].v.to_bits(),
        window: None,
    };
    for s in &samples[1..] {
        xor.write(&mut probe, s.v.to_bits());
    }
    if int_bits + 4 >= probe.bits() as u64 {
        return Values::Xor;
    }
    Values::Ints { exp, mode, ints }
}

/// Integer value coding: the first as a length-prefixed zigzag, then deltas (or deltas of deltas) in
/// buckets `'0'` = 0 | `'10'` + 6 bits | `'110'` + 13 bits | `'1110'` + 24 bits | `'1111'` + 64 bits.
#[derive(Default)]
struct IntState {
    prev: i64,
    prev_delta: i64,
}

impl IntState {
    fn cost(z: u64) -> u32 {
        match z {
            0 => 1,
            z if z < 1 << 6 => 8,
            z if z < 1 << 13 => 16,
            z if z < 1 << 24 => 28,
            _ => 68,
        }
    }

    fn write(&mut self, w: &mut BitWriter, x: i64, i: usize, mode: IntMode) {
        if i == 0 {
            write_len_prefixed(w, zigzag(x));
            self.prev = x;
            return;
        }
        let delta = x.wrapping_sub(self.prev);
        let dod = match mode {
            IntMode::Packed { base, width } => {
                self.prev = x;
                w.write_bits(delta.wrapping_sub(base) as u64, width);
                return;
            }
            IntMode::Dod => true,
            IntMode::Delta => false,
        };
        let z = zigzag(if dod && i >= 2 {
            delta.wrapping_sub(self.prev_delta)
        } else {
            delta
        });
        self.prev = x;
        self.prev_delta = delta;
        match z {
            0 => w.write_bit(false),
            z if z < 1 << 6 => {
                w.write_bits(0b10, 2);
                w.write_bits(z, 6);
            }
            z if z < 1 << 13 => {
                w.write_bits(0b110, 3);
                w.write_bits(z, 13);
            }
            z if z < 1 << 24 => {
                w.write_bits(0b1110, 4);
                w.write_bits(z, 24);
            }
            z => {
                w.write_bits(0b1111, 4);
                w.write_bits(z, 64);
            }
        }
    }

    fn read(&mut self, r: &mut BitReader<'_>, i: usize, mode: IntMode) -> Result<i64, ChunkError> {
        if i == 0 {
            self.prev = unzigzag(read_len_prefixed(r)?);
            return Ok(self.prev);
        }
        let dod = match mode {
            IntMode::Packed { base, width } => {
                let d = (r.read_bits(width)? as i64).wrapping_add(base);
                self.prev = self.prev.wrapping_add(d);
                return Ok(self.prev);
            }
            IntMode::Dod => true,
            IntMode::Delta => false,
        };
        let width = if !r.read_bit()? {
            0
        } else if !r.read_bit()? {
            6
        } else if !r.read_bit()? {
            13
        } else if !r.read_bit()? {
            24
        } else {
            64
        };
        let z = if width == 0 {
            0
        } else {
            unzigzag(r.read_bits(width)?)
        };
        let delta = if dod && i >= 2 {
            self.prev_delta.wrapping_add(z)
        } else {
            z
        };
        self.prev = self.prev.wrapping_add(delta);
        self.prev_delta = delta;
        Ok(self.prev)
    }
}

/// Decodes a blob written by [`encode`] (or by the version-1 encoder, XOR values only). Any damaged
/// input gives an error, never a panic, and never allocates more than the blob can hold.
pub fn decode(data: &[u8]) -> Result<Vec<Sample>, ChunkError> {
    let mut r = BitReader::new(data);
    let version = r.read_bits(8).map_err(|_| ChunkError::Empty)? as u8;
    if version != VERSION && version != 1 {
        return Err(ChunkError::Version(version));
    }
    let n = r.read_bits(16)? as usize;
    if n > DECODE_LIMIT {
        return Err(ChunkError::TooMany(n));
    }
    // (exponent, delta of deltas) for integer-coded values.
    let ints_mode = if version == 1 {
        None
    } else {
        let at = r.pos;
        match r.read_bits(2)? {
            0 => None,
            m => {
                let exp = r.read_bits(4)? as u32;
                if exp > MAX_EXP {
                    return Err(ChunkError::Invalid(at));
                }
                let mode = match m {
                    1 => IntMode::Delta,
                    2 => IntMode::Dod,
                    _ => {
                        let base = unzigzag(read_len_prefixed(&mut r)?);
                        let width = r.read_bits(7)? as u32;
                        if width > 64 {
                            return Err(ChunkError::Invalid(at));
                        }
                        IntMode::Packed { base, width }
                    }
                };
                Some((10f64.powi(exp as i32), mode))
            }
        }
    };
    // Every sample after the first takes at least 1 bit (a packed width of 0), the first at least 8.
    if n > 0 && r.remaining() < 8 + (n - 1) {
        return Err(ChunkError::Truncated(data.len() * 8));
    }
    let mut out = Vec::with_capacity(n);
    let mut t: i64 = 0;
    let mut delta: i64 = 0;
    let mut xor = XorState::default();
    let mut ints = IntState::default();
    for i in 0..n {
        match i {
            0 => t = unzigzag(read_len_prefixed(&mut r)?),
            1 => {
                delta = unzigzag(read_len_prefixed(&mut r)?);
                t = t.wrapping_add(delta);
            }
            _ => {
                let width = if !r.read_bit()? {
                    0
                } else if !r.read_bit()? {
                    14
                } else if !r.read_bit()? {
                    17
                } else if !r.read_bit()? {
                    20
                } else {
                    64
                };
                let dod = if width == 0 {
                    0
                } else {
                    unzigzag(r.read_bits(width)?)
                };
                delta = delta.wrapping_add(dod);
                t = t.wrapping_add(delta);
            }
        }
        let v = match ints_mode {
            Some((scale, mode)) => ints.read(&mut r, i, mode)? as f64 / scale,
            None if i == 0 => {
                xor.prev = r.read_bits(64)?;
                f64::from_bits(xor.prev)
            }
            None => f64::from_bits(xor.read(&mut r)?),
        };
        out.push(Sample { t, v });
    }
    let rest = r.remaining();
    if rest >= 8 || (rest > 0 && r.read_bits(rest as u32)? != 0) {
        return Err(ChunkError::Trailing(rest));
    }
    Ok(out)
}

fn zigzag(x: i64) -> u64 {
    ((x << 1) ^ (x >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

fn write_len_prefixed(w: &mut BitWriter, x: u64) {
    let len = bit_len(x);
    w.write_bits(u64::from(len), 7);
    w.write_bits(x, len);
}

fn read_len_prefixed(r: &mut BitReader<'_>) -> Result<u64, ChunkError> {
    let at = r.pos;
    let len = r.read_bits(7)? as u32;
    if len > 64 {
        return Err(ChunkError::Invalid(at));
    }
    r.read_bits(len)
}

/// Previous value bits and the leading/trailing-zero window of the last explicit XOR.
#[derive(Default)]
struct XorState {
    prev: u64,
    /// (leading, trailing) once a window was written.
    window: Option<(u32, u32)>,
}

impl XorState {
    fn write(&mut self, w: &mut BitWriter, bits: u64) {
        let x = bits ^ self.prev;
        self.prev = bits;
        if x == 0 {
            w.write_bit(false);
            return;
        }
        let lead = x.leading_zeros().min(31);
        let trail = x.trailing_zeros();
        match self.window {
            Some((pl, pt)) if lead >= pl && trail >= pt => {
                w.write_bits(0b10, 2);
                w.write_bits(x >> pt, 64 - pl - pt);
            }
            _ => {
                let sig = 64 - lead - trail;
                w.write_bits(0b11, 2);
                w.write_bits(u64::from(lead), 5);
                w.write_bits(u64::from(sig & 63), 6);
                w.write_bits(x >> trail, sig);
                self.window = Some((lead, trail));
            }
        }
    }

    fn read(&mut self, r: &mut BitReader<'_>) -> Result<u64, ChunkError> {
        if !r.read_bit()? {
            return Ok(self.prev);
        }
        let at = r.pos;
        let (lead, trail) = if !r.read_bit()? {
            self.window.ok_or(ChunkError::Invalid(at))?
        } else {
            let lead = r.read_bits(5)? as u32;
            let sig = match r.read_bits(6)? as u32 {
                0 => 64,
                s => s,
            };
            if lead + sig > 64 {
                return Err(ChunkError::Invalid(at));
            }
            let w = (lead, 64 - lead - sig);
            self.window = Some(w);
            w
        };
        let x = r.read_bits(64 - lead - trail)? << trail;
        self.prev ^= x;
        Ok(self.prev)
    }
}

/// Appends bits, most significant first.
struct BitWriter {
    buf: Vec<u8>,
    /// Bits used in the last byte of `buf` (0 = start a new byte).
    used: u32,
}

impl BitWriter {
    fn with_capacity(bytes: usize) -> Self {
        BitWriter {
            buf: Vec::with_capacity(bytes),
            used: 0,
        }
    }

    fn write_bit(&mut self, bit: bool) {
        self.write_bits(u64::from(bit), 1);
    }

    /// Writes the low `n` bits of `value` (`n` <= 64).
    fn write_bits(&mut self, value: u64, n: u32) {
        let mut left = n.min(64);
        while left > 0 {
            if self.used == 0 {
                self.buf.push(0);
            }
            let free = 8 - self.used;
            let take = free.min(left);
            // The `take` bits just below bit `left` of value.
            let chunk = ((value >> (left - take)) & ((1u64 << take) - 1)) as u8;
            if let Some(last) = self.buf.last_mut() {
                *last |= chunk << (free - take);
            }
            self.used = (self.used + take) % 8;
            left -= take;
        }
    }

    /// Bits written so far.
    fn bits(&self) -> usize {
        match self.used {
            0 => self.buf.len() * 8,
            u => (self.buf.len() - 1) * 8 + u as usize,
        }
    }

    fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads bits, most significant first; every read is bounds-checked.
struct BitReader<'a> {
    data: &'a [u8],
    /// Position in bits.
    pos: usize,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    fn remaining(&self) -> usize {
        (self.data.len() * 8).saturating_sub(self.pos)
    }

    fn read_bit(&mut self) -> Result<bool, ChunkError> {
        Ok(self.read_bits(1)? == 1)
    }

    /// Reads `n` (<= 64) bits.
    fn read_bits(&mut self, n: u32) -> Result<u64, ChunkError> {
        if n > 64 || self.remaining() < n as usize {
            return Err(ChunkError::Truncated(self.pos));
        }
        let mut out: u64 = 0;
        let mut left = n;
        while left > 0 {
            let byte = *self
                .data
                .get(self.pos / 8)
                .ok_or(ChunkError::Truncated(self.pos))?;
            let used = (self.pos % 8) as u32;
            let avail = 8 - used;
            let take = avail.min(left);
            let bits = (u64::from(byte) >> (avail - take)) & ((1u64 << take) - 1);
            out = (out << take) | bits;
            self.pos += take as usize;
            left -= take;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn s(t: i64, v: f64) -> Sample {
        Sample { t, v }
    }

    /// Round-trips bit-exactly (NaN payloads included).
    #[track_caller]
    fn check(samples: &[Sample]) {
        let data = encode(samples);
        let back = decode(&data).unwrap_or_else(|e| panic!("decode failed: {e} for {samples:?}"));
        assert_eq!(back.len(), samples.len());
        for (a, b) in samples.iter().zip(&back) {
            assert_eq!(a.t, b.t, "timestamps of {samples:?}");
            assert_eq!(a.v.to_bits(), b.v.to_bits(), "values of {samples:?}");
        }
    }

    const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

    #[test]
    fn round_trips_edge_cases() {
        check(&[]);
        check(&[s(0, 0.0)]);
        check(&[s(1_700_000_000_000, 1.5)]);
        check(&[s(i64::MIN, f64::MIN), s(i64::MAX, f64::MAX)]);
        check(&[s(i64::MAX, 1.0), s(i64::MIN, 2.0), s(0, 3.0), s(-5, -0.0)]);
        check(&[s(1, f64::NAN), s(2, f64::INFINITY), s(3, f64::NEG_INFINITY)]);
        check(&[
            s(1, f64::from_bits(STALE_NAN)),
            s(2, 1.0),
            s(3, f64::from_bits(STALE_NAN)),
        ]);
        check(&[s(1, 0.0), s(2, -0.0), s(3, f64::MIN_POSITIVE), s(4, 5e-324)]);
        check(&[s(10, 1.0), s(20, 1.0), s(30, 1.0), s(40, 1.0)]);
        check(&[s(10, 1.0), s(10, 2.0), s(10, 3.0)]);
        // dod in every bucket, both signs
        check(&[
            s(0, 1.0),
            s(1000, 2.0),
            s(2000, 3.0),
            s(3001, 4.0),
            s(4000, 5.0),
        ]);
        check(&[
            s(0, 1.0),
            s(10, 2.0),
            s(30_000, 3.0),
            s(60_000, 4.0),
            s(200_000, 5.0),
        ]);
        check(&[
            s(0, 1.0),
            s(15_000, 2.0),
            s(1_000_000_000, 3.0),
            s(1_000_015_000, 4.0),
        ]);
        // value windows: full 64-bit width and window reuse
        check(&[
            s(0, 1.0),
            s(1, f64::from_bits(!1.0f64.to_bits())),
            s(2, 1.0),
            s(3, 2.0),
        ]);
    }

    #[test]
    fn round_trips_random_series() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for round in 0..2000 {
            let n = rng.gen_range(0..=MAX_SAMPLES);
            let mut t: i64 = rng.gen();
            let step: i64 = rng.gen_range(1..100_000);
            let samples: Vec<Sample> = (0..n)
                .map(|_| {
                    t = match round % 4 {
                        0 => t.wrapping_add(step),
                        1 => t.wrapping_add(step + rng.gen_range(-50..50)),
                        2 => rng.gen(),
                        _ => t.wrapping_add(if rng.gen_bool(0.1) { step * 7 } else { step }),
                    };
                    let v = match rng.gen_range(0..6) {
                        0 => f64::from_bits(rng.gen()),
                        1 => rng.gen_range(0..1000) as f64,
                        2 => rng.gen::<f64>() * 100.0,
                        3 => f64::NAN,
                        4 => f64::from_bits(STALE_NAN),
                        _ => 42.0,
                    };
                    s(t, v)
                })
                .collect();
            check(&samples);
        }
    }

    #[test]
    fn round_trips_regular_15s_grids() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        for _ in 0..200 {
            let t0 = 1_700_000_000_000 + rng.gen_range(0..1_000_000) * 15_000;
            let base: f64 = rng.gen_range(0.0..1e6);
            let samples: Vec<Sample> = (0..MAX_SAMPLES as i64)
                .map(|i| s(t0 + i * 15_000, base + rng.gen_range(-1.0..1.0)))
                .collect();
            check(&samples);
        }
    }

    /// Bytes per sample on a 15 s grid, 120-sample chunks (print with `--nocapture`).
    #[test]
    fn compression_ratio() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let t0 = 1_700_000_000_000;
        let grid = |f: &mut dyn FnMut(i64) -> f64| -> f64 {
            let chunks = 100;
            let mut bytes = 0;
            for c in 0..chunks {
                let samples: Vec<Sample> = (0..MAX_SAMPLES as i64)
                    .map(|i| {
                        let k = c * MAX_SAMPLES as i64 + i;
                        s(t0 + k * 15_000, f(k))
                    })
                    .collect();
                bytes += encode(&samples).len();
            }
            bytes as f64 / (chunks as usize * MAX_SAMPLES) as f64
        };
        let mut counter = 0.0;
        let counter_bps = grid(&mut |_| {
            counter += f64::from(rng.gen_range(0..40u32));
            counter
        });
        let gauge_bps = grid(&mut |_| 50.0 + rng.gen_range(-5.0..5.0));
        let rounded_bps = grid(&mut |_| (rng.gen_range(40.0..60.0f64) * 100.0).round() / 100.0);
        let constant_bps = grid(&mut |_| 1.0);
        println!(
            "bytes/sample: counter {counter_bps:.2}, noisy gauge {gauge_bps:.2}, \
             2-decimal gauge {rounded_bps:.2}, constant {constant_bps:.2}"
        );
        // Integer counters and short decimals are coded as integers: far below Gorilla's XOR
        // (which needs about 2 and 5 bytes for these).
        assert!(counter_bps < 1.1, "counter {counter_bps}");
        assert!(rounded_bps < 2.4, "2-decimal gauge {rounded_bps}");
        assert!(gauge_bps < 8.5, "gauge {gauge_bps}");
        assert!(constant_bps < 0.5, "constant {constant_bps}");
    }

    #[test]
    fn integer_coding_is_bit_exact_and_picked_only_when_smaller() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for exp in 0..=MAX_EXP as i32 {
            let scale = 10f64.powi(exp);
            let samples: Vec<Sample> = (0..MAX_SAMPLES as i64)
                .map(|i| {
                    s(
                        i * 15_000,
                        rng.gen_range(-1_000_000i64..1_000_000) as f64 / scale,
                    )
                })
                .collect();
            check(&samples);
        }
        // Mixed: one value that is not a short decimal sends the chunk to XOR, still exact.
        let mut mixed: Vec<Sample> = (0..50).map(|i| s(i, i as f64 * 0.5)).collect();
        mixed.push(s(50, std::f64::consts::PI));
        mixed.push(s(51, -0.0));
        mixed.push(s(52, f64::NAN));
        check(&mixed);
        // Large integers near 2^53 and beyond.
        check(&[s(0, 9.0e15), s(1, -9.0e15), s(2, 1.0e300), s(3, 4.0)]);
        let counter: Vec<Sample> = (0..MAX_SAMPLES as i64)
            .map(|i| s(i * 15_000, (i * 7) as f64))
            .collect();
        assert!(
            encode(&counter).len() < MAX_SAMPLES * 2 / 8 + 10,
            "a steady counter is about 2 bits per sample"
        );
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        #[track_caller]
        fn bad(data: &[u8], expect: ChunkError) {
            assert_eq!(decode(data), Err(expect), "data {data:?}");
        }
        bad(&[], ChunkError::Empty);
        bad(&[3, 0, 0], ChunkError::Version(3));
        bad(&[2, 0, 1, 0x7c], ChunkError::Invalid(24));
        bad(&[1, 0xff, 0xff], ChunkError::TooMany(65535));
        bad(&[1, 0], ChunkError::Truncated(8));
        bad(&[1, 0, 1], ChunkError::Truncated(24));
        bad(&[1, 0, 0, 0], ChunkError::Trailing(8));
        let good = encode(&[s(1, 1.0), s(2, 2.0), s(3, 4.0)]);
        // Every truncation and every single-bit flip: an error or some samples, never a panic.
        for len in 0..good.len() {
            assert!(decode(&good[..len]).is_err(), "truncated to {len}");
        }
        for bit in 0..good.len() * 8 {
            let mut d = good.clone();
            if let Some(b) = d.get_mut(bit / 8) {
                *b ^= 0x80 >> (bit % 8);
            }
            let _ = decode(&d);
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(99);
        for _ in 0..20_000 {
            let len = rng.gen_range(0..300);
            let mut d: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            if let Some(b) = d.first_mut() {
                *b = VERSION;
            }
            if let Ok(samples) = decode(&d) {
                assert!(samples.len() <= DECODE_LIMIT);
            }
        }
    }

    #[test]
    fn empty_chunk_decodes_to_nothing() {
        assert_eq!(decode(&encode(&[])), Ok(vec![]));
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        /// Values as the cache sees them: any bit pattern (NaN payloads, ±Inf, subnormals), short
        /// decimals (the integer modes) and repeats.
        fn value() -> impl Strategy<Value = f64> {
            prop_oneof![
                any::<u64>().prop_map(f64::from_bits),
                (-1_000_000i64..1_000_000, 0u32..6)
                    .prop_map(|(i, e)| i as f64 / 10f64.powi(e as i32)),
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(f64::from_bits(0x7ff0_0000_0000_0002)),
                Just(-0.0),
                Just(1.0),
            ]
        }

        /// Times: a regular grid with jitter and jumps, or anything at all.
        fn samples() -> impl Strategy<Value = Vec<Sample>> {
            prop_oneof![
                (
                    any::<i64>(),
                    1i64..100_000,
                    prop::collection::vec((-3i64..3, value()), 0..=MAX_SAMPLES)
                )
                    .prop_map(|(t0, step, pts)| {
                        let mut t = t0;
                        pts.into_iter()
                            .map(|(jump, v)| {
                                t = t.wrapping_add(step.wrapping_mul(jump.abs() + 1) + jump);
                                Sample { t, v }
                            })
                            .collect()
                    }),
                prop::collection::vec((any::<i64>(), value()), 0..64)
                    .prop_map(|v| v.into_iter().map(|(t, v)| Sample { t, v }).collect()),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            /// Hardening #14.12: decoding arbitrary bytes (a damaged cache file) never panics and
            /// never returns more than DECODE_LIMIT samples.
            #[test]
            fn decoding_arbitrary_bytes_never_panics(
                version in prop_oneof![Just(1u8), Just(2u8), any::<u8>()],
                rest in prop::collection::vec(any::<u8>(), 0..600),
            ) {
                let data: Vec<u8> = std::iter::once(version).chain(rest).collect();
                if let Ok(samples) = decode(&data) {
                    prop_assert!(samples.len() <= DECODE_LIMIT);
                }
            }

            /// Hardening #14.12: damage to a valid chunk (a flipped bit, a cut) is an error or some
            /// samples, never a panic.
            #[test]
            fn decoding_a_damaged_chunk_never_panics(
                samples in samples(),
                flips in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
                cut in any::<prop::sample::Index>(),
            ) {
                let mut data = encode(&samples);
                if !data.is_empty() {
                    for f in flips {
                        let bit = f.index(data.len() * 8);
                        data[bit / 8] ^= 1 << (bit % 8);
                    }
                    let mut cut_data = data.clone();
                    cut_data.truncate(cut.index(data.len()));
                    let _ = decode(&cut_data);
                }
                let _ = decode(&data);
            }

            /// Hardening #14.12: encode/decode round-trips any samples bit-exactly, NaN and ±Inf
            /// included.
            #[test]
            fn encode_decode_round_trips(samples in samples()) {
                let back = decode(&encode(&samples)).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(back.len(), samples.len());
                for (a, b) in samples.iter().zip(&back) {
                    prop_assert_eq!(a.t, b.t);
                    prop_assert_eq!(a.v.to_bits(), b.v.to_bits());
                }
            }
        }
    }
}
