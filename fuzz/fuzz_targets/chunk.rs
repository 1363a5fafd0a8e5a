//! The chunk codec: decoding any bytes never panics; samples made of the same bytes (16 bytes each:
//! time, value bits) round-trip bit-exactly through encode and decode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use watchdesk::cache::chunk::{decode, encode, DECODE_LIMIT};
use watchdesk::source::Sample;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = decode(data) {
        assert!(s.len() <= DECODE_LIMIT);
    }
    let samples: Vec<Sample> = data
        .chunks_exact(16)
        .map(|c| {
            let (t, v) = c.split_at(8);
            Sample {
                t: i64::from_le_bytes(t.try_into().unwrap_or_default()),
                v: f64::from_bits(u64::from_le_bytes(v.try_into().unwrap_or_default())),
            }
        })
        .collect();
    let back = decode(&encode(&samples)).expect("an encoded chunk decodes");
    assert_eq!(back.len(), samples.len());
    for (a, b) in samples.iter().zip(&back) {
        assert_eq!((a.t, a.v.to_bits()), (b.t, b.v.to_bits()));
    }
});
