//! `net`: a task opens one connection to parlab's local server (a step of its own, so that the
//! time spent connecting shows apart from the requests) and makes `--requests` requests on it,
//! one after another; the server answers each after `--io-wait`.
//!
//! The wire format is a tiny framed protocol over TCP (no HTTP): a request is 8 bytes, the
//! task and the request number (little-endian `u32`s); a reply is its length (`u32`) and then
//! that many bytes of content derived from the request, so the client checks the length and a
//! checksum. The expected checksum has a closed form, so checking a reply costs one pass over
//! the bytes received and nothing else.

use super::{Step, StepType, WorkSpec, Workload};

/// Real network requests to a local server.
pub struct Net;

impl Workload for Net {
    fn id(&self) -> &'static str {
        "net"
    }
    fn summary(&self) -> &'static str {
        "real network requests to a local server: --requests per task on one connection, each answered after --io-wait"
    }
    fn steps(&self) -> &'static [StepType] {
        &[StepType::Connect, StepType::Request]
    }
    fn needs_server(&self) -> bool {
        true
    }
    fn plan(&self, work: &WorkSpec) -> Vec<Step> {
        std::iter::once(Step::Connect)
            .chain((0..work.net.requests).map(|index| Step::Request {
                index,
                wait_ns: work.io_wait_ns,
            }))
            .collect()
    }
    fn computes(&self) -> bool {
        false
    }
    fn waits(&self) -> bool {
        true
    }
    fn title(&self, _number: u64, io_wait: &str) -> String {
        format!("net: requests to a local server, each answered after {io_wait}")
    }
}

/// Bytes in a request: the task and the request number.
pub const REQUEST_BYTES: usize = 8;

/// The bytes of request `index` of `task`.
pub fn encode_request(task: u32, index: u32) -> [u8; REQUEST_BYTES] {
    let mut b = [0u8; REQUEST_BYTES];
    b[..4].copy_from_slice(&task.to_le_bytes());
    b[4..].copy_from_slice(&index.to_le_bytes());
    b
}

/// The task and request number in a request's bytes.
pub fn decode_request(b: &[u8; REQUEST_BYTES]) -> (u32, u32) {
    let word = |r: std::ops::Range<usize>| u32::from_le_bytes(b[r].try_into().unwrap_or([0; 4]));
    (word(0..4), word(4..8))
}

/// The step between consecutive words of a reply (the golden ratio, as a 64-bit odd number).
const STEP: u64 = 0x9E37_79B9_7F4A_7C15;

/// The first word of the reply to request `index` of `task` (a splitmix64 finish of both).
fn first_word(task: u32, index: u32) -> u64 {
    let mut z = ((task as u64) << 32 | index as u64).wrapping_add(STEP);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The content of the reply to request `index` of `task`, `len` bytes: little-endian words
/// `first + k·STEP`, the last one cut short.
pub fn reply_content(task: u32, index: u32, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    append_reply_content(&mut out, task, index, len);
    out
}

/// Appends [`reply_content`] to `out` (the server writes a reply's header and content into one
/// buffer, with no copy between).
pub fn append_reply_content(out: &mut Vec<u8>, task: u32, index: u32, len: usize) {
    let first = first_word(task, index);
    let end = out.len() + len;
    out.reserve(len + 8);
    let mut k = 0u64;
    while out.len() < end {
        out.extend_from_slice(&first.wrapping_add(k.wrapping_mul(STEP)).to_le_bytes());
        k += 1;
    }
    out.truncate(end);
}

/// The checksum of reply bytes: the sum of their little-endian words (the last zero-padded),
/// word `k` weighted by `2k + 1` (odd, so any one changed byte changes the sum), wrapping.
pub fn reply_checksum(bytes: &[u8]) -> u64 {
    let mut sum = 0u64;
    let mut chunks = bytes.chunks_exact(8);
    let mut weight = 1u64;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        sum = sum.wrapping_add(w.wrapping_mul(weight));
        weight = weight.wrapping_add(2);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        sum = sum.wrapping_add(u64::from_le_bytes(last).wrapping_mul(weight));
    }
    sum
}

/// The checksum [`reply_checksum`] gives the right reply to request `index` of `task`, in
/// closed form: with `n` whole words and `a` the first, `a·n² + STEP·Σ k(2k+1)`, plus the
/// cut-short last word.
pub fn expected_checksum(task: u32, index: u32, len: usize) -> u64 {
    let a = first_word(task, index);
    let n = (len / 8) as u128;
    // Σ_{k<n} k(2k+1) = (n-1)n(2n-1)/3 + n(n-1)/2, exact in u128 for any reply size here.
    let s = if n == 0 {
        0
    } else {
        (n - 1) * n * (2 * n - 1) / 3 + n * (n - 1) / 2
    };
    let mut sum = a
        .wrapping_mul((n * n) as u64)
        .wrapping_add(STEP.wrapping_mul(s as u64));
    let rest = len % 8;
    if rest > 0 {
        let word = a.wrapping_add((n as u64).wrapping_mul(STEP));
        let cut = word & (u64::MAX >> (64 - 8 * rest as u32));
        sum = sum.wrapping_add(cut.wrapping_mul(2 * n as u64 + 1));
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closed_form_matches_the_content_at_every_length() {
        for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 1000, 16 * 1024, 16 * 1024 + 3] {
            for (task, index) in [(0, 0), (3, 1), (9999, 3)] {
                let content = reply_content(task, index, len);
                assert_eq!(content.len(), len);
                let mut framed = vec![7u8; 4];
                append_reply_content(&mut framed, task, index, len);
                assert_eq!(&framed[4..], &content[..]);
                assert_eq!(
                    reply_checksum(&content),
                    expected_checksum(task, index, len),
                    "len {len}, task {task}, request {index}"
                );
            }
        }
    }

    #[test]
    fn a_changed_byte_or_another_request_fails_the_checksum() {
        let good = reply_content(5, 2, 4096);
        let expected = expected_checksum(5, 2, 4096);
        for at in [0usize, 1, 8, 2047, 4095] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            assert_ne!(reply_checksum(&bad), expected, "byte {at}");
        }
        assert_ne!(expected_checksum(5, 3, 4096), expected);
        assert_ne!(expected_checksum(6, 2, 4096), expected);
    }

    #[test]
    fn requests_round_trip_and_plans_connect_then_have_one_step_per_request() {
        assert_eq!(decode_request(&encode_request(70_000, 3)), (70_000, 3));
        let work = WorkSpec {
            workload: super::super::WorkloadKind::Net,
            number: 0,
            io_wait_ns: 7,
            net: super::super::NetSpec::default(),
        };
        let plan = work.plan();
        assert_eq!(plan.len(), 5);
        assert_eq!(plan[0], Step::Connect);
        assert_eq!(plan[0].kind(), super::super::StepKind::Connect);
        assert!(plan[0].kind().waits());
        assert_eq!(plan[4], Step::Request { index: 3, wait_ns: 7 });
        assert_eq!(work.wait_per_task().as_nanos(), 28);
    }
}
