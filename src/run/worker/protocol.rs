//! The pipe protocol between parlab and its worker processes: length-prefixed postcard frames.
//!
//! A frame is a 4-byte little-endian length, then that many bytes of one postcard-encoded
//! message. The parent writes [`ToWorker`] frames to the worker's stdin and reads [`FromWorker`]
//! frames from its stdout. Whatever arrives is checked before it is trusted: a length over
//! [`MAX_FRAME_BYTES`] is refused before anything is allocated, a stream that ends inside a frame
//! is an error, and bytes that do not decode (or leave bytes over) are an error: never a panic.
//!
//! Times in messages are nanoseconds since the parent's recorder origin: the parent sends that
//! origin on `CLOCK_MONOTONIC` (one clock for every process on the machine), and the worker
//! counts from it, so a worker's task times land on the parent's timeline without conversion.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::plan::workload::{Answer, WorkSpec};

/// Bumped whenever a message changes shape; the worker says its version first.
pub const PROTOCOL_VERSION: u32 = 3;

/// The largest frame either side accepts, bytes. A finished task of the `mixed` workload is
/// about 100 bytes; a task of many steps (`net` with thousands of `--requests`) sends them
/// [`STEPS_PER_FRAME`] at a time; a panic message is cut to fit. The bound is what keeps a
/// broken or hostile worker from making parlab allocate without limit.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// The most step spans one frame carries: at most [`MAX_STEP_SPAN_BYTES`] each, well under
/// [`MAX_FRAME_BYTES`] together.
pub const STEPS_PER_FRAME: usize = 1024;

/// The most bytes one [`StepSpan`] takes in a frame (postcard's variable-length integers at
/// their longest: 5 for a u32, 10 for a u64, 1 for an option's tag).
pub const MAX_STEP_SPAN_BYTES: usize = 5 + 10 + 10 + 1 + 10;

const _: () = assert!(STEPS_PER_FRAME * MAX_STEP_SPAN_BYTES + 64 <= MAX_FRAME_BYTES);

/// Bytes of the length prefix.
const LEN_BYTES: usize = 4;

/// What the parent tells a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Run tasks `first .. first + count` of `work`, one after another, reporting each.
    Tasks {
        /// What every task does.
        work: WorkSpec,
        /// The first task's index.
        first: u32,
        /// How many tasks.
        count: u32,
        /// The parent's time origin on `CLOCK_MONOTONIC`, ns: reported times count from it.
        origin_mono_ns: u64,
        /// Whether each `Started` is sent the moment its task starts (a progress display or
        /// `--task-timeout` watches it); otherwise it goes out with the task's next report, in
        /// the same write, which saves a write and a wake-up of the parent per task.
        announce: bool,
    },
}

/// What a worker tells the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The first frame of every worker.
    Hello {
        /// [`PROTOCOL_VERSION`] of the worker's build.
        protocol: u32,
        /// The worker's process id.
        pid: u32,
    },
    /// A task started, `at_ns` after the parent's origin.
    Started {
        /// The task's index.
        task: u32,
        /// When, ns since the parent's origin.
        at_ns: u64,
    },
    /// A running task's divisions so far (sent every [`crate::plan::primes::PROGRESS_STEP`]).
    Progress {
        /// The task's index.
        task: u32,
        /// Divisions done.
        divisions: u64,
    },
    /// More steps of the running task than one `Finished` frame holds, [`STEPS_PER_FRAME`] at
    /// a time; its `Finished` follows with the rest.
    Steps {
        /// The task's index.
        task: u32,
        /// Steps that ran, as in `Finished`.
        steps: Vec<StepSpan>,
    },
    /// A task finished.
    Finished {
        /// The task's index.
        task: u32,
        /// Its answer.
        answer: Answer,
        /// When it ended, ns since the parent's origin.
        end_ns: u64,
        /// The steps that ran (a step skipped because a divisor was already found is absent),
        /// at most [`STEPS_PER_FRAME`]: the last of them, after any `Steps` frames.
        steps: Vec<StepSpan>,
    },
    /// The worker's own resource figures, sent once its stdin has closed, just before it exits.
    Figures(WorkerFigures),
    /// The worker panicked (sent by its panic hook; it exits next).
    Panicked {
        /// The panic message and where it happened.
        message: String,
    },
    /// The worker stops on an error of its own (it exits with status 2 next), so that parlab's
    /// one error line says why.
    Stopped {
        /// What went wrong, cut to fit a frame.
        message: String,
    },
    /// What the running task's custom work reported (sent before its `Finished`).
    Custom {
        /// The task's index.
        task: u32,
        /// The peak memory of a process it started, KiB (0: none).
        child_peak_rss_kib: u64,
        /// Why it failed, if it did (cut to fit a frame).
        problem: Option<String>,
    },
}

/// When one step of a task ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSpan {
    /// The step's index in the task's plan.
    pub step: u32,
    /// Start, ns since the parent's origin.
    pub start_ns: u64,
    /// End, ns since the parent's origin.
    pub end_ns: u64,
    /// The CPU time the worker's thread used for it, ns (computation steps).
    pub cpu_ns: Option<u64>,
}

/// A worker's resource figures, read by the worker itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerFigures {
    /// Its peak resident memory (`VmHWM` of its own address space), KiB: the figure parlab
    /// reports.
    pub peak_rss_kib: u64,
    /// What getrusage's `ru_maxrss` says for it, KiB. Not reported: it starts at the parent's
    /// peak (see [`crate::run::worker`]); kept so tests can show the difference.
    pub ru_maxrss_kib: u64,
}

/// Why bytes could not be read as frames.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    /// The stream ended part-way through a frame.
    #[error("the stream ended inside a frame ({have} of {need} bytes)")]
    Truncated {
        /// Bytes of the frame that arrived, with its length prefix.
        have: usize,
        /// Bytes the frame needed, with its length prefix.
        need: usize,
    },
    /// A frame (announced, or to be sent) of more bytes than any message may have.
    #[error("a frame of {len} bytes, over the {MAX_FRAME_BYTES}-byte frame limit")]
    Oversized {
        /// The frame's length.
        len: u64,
    },
    /// A frame's bytes are not a message.
    #[error("a frame is not a valid message: {0}")]
    Garbage(postcard::Error),
    /// A frame held a message and then more bytes.
    #[error("a frame has {0} bytes left over after its message")]
    TrailingBytes(usize),
}

/// Appends `msg` to `out` as one frame (on error, `out` is left as it was).
pub fn encode<T: Serialize>(msg: &T, out: &mut Vec<u8>) -> Result<(), FrameError> {
    // Serialising parlab's own types fails only if a message is too big; postcard's error is
    // still passed on rather than unwrapped.
    let body = postcard::to_stdvec(msg).map_err(FrameError::Garbage)?;
    if body.len() > MAX_FRAME_BYTES {
        return Err(FrameError::Oversized {
            len: body.len() as u64,
        });
    }
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(())
}

/// Turns a byte stream, pushed in pieces as it arrives, back into messages.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    start: usize,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes that arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > MAX_FRAME_BYTES {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole message, if one has arrived. The length is checked before anything waits
    /// for the frame's body, so an oversized announcement fails at once.
    pub fn next_message<T: DeserializeOwned>(&mut self) -> Result<Option<T>, FrameError> {
        let pending = &self.buf[self.start..];
        let Some(prefix) = pending.first_chunk::<LEN_BYTES>() else {
            return Ok(None);
        };
        let len = u32::from_le_bytes(*prefix) as usize;
        if len > MAX_FRAME_BYTES {
            return Err(FrameError::Oversized { len: len as u64 });
        }
        let Some(body) = pending.get(LEN_BYTES..LEN_BYTES + len) else {
            return Ok(None);
        };
        let (msg, rest) = postcard::take_from_bytes::<T>(body).map_err(FrameError::Garbage)?;
        if !rest.is_empty() {
            return Err(FrameError::TrailingBytes(rest.len()));
        }
        self.start += LEN_BYTES + len;
        Ok(Some(msg))
    }

    /// Checks, at the end of the stream, that no partial frame is left over.
    pub fn finish(&self) -> Result<(), FrameError> {
        let have = self.buf.len() - self.start;
        if have == 0 {
            return Ok(());
        }
        let need = match self.buf[self.start..].first_chunk::<LEN_BYTES>() {
            Some(prefix) => LEN_BYTES + u32::from_le_bytes(*prefix) as usize,
            None => LEN_BYTES,
        };
        Err(FrameError::Truncated { have, need })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::workload::WorkloadKind;
    use proptest::prelude::*;

    fn samples() -> Vec<FromWorker> {
        vec![
            FromWorker::Hello {
                protocol: PROTOCOL_VERSION,
                pid: 4242,
            },
            FromWorker::Started {
                task: 17,
                at_ns: u64::MAX,
            },
            FromWorker::Progress {
                task: 0,
                divisions: 1 << 40,
            },
            FromWorker::Finished {
                task: u32::MAX,
                answer: Answer::Prime(true),
                end_ns: 123_456_789,
                steps: (0..7)
                    .map(|s| StepSpan {
                        step: s,
                        start_ns: s as u64 * 10,
                        end_ns: s as u64 * 10 + 5,
                        cpu_ns: Some(4),
                    })
                    .collect(),
            },
            FromWorker::Figures(WorkerFigures {
                peak_rss_kib: 2048,
                ru_maxrss_kib: 900_000,
            }),
            FromWorker::Panicked {
                message: "boom at src/x.rs:1".into(),
            },
            FromWorker::Steps {
                task: 3,
                steps: vec![StepSpan {
                    step: 9,
                    start_ns: 1,
                    end_ns: 2,
                    cpu_ns: None,
                }],
            },
            FromWorker::Stopped {
                message: "frames: bad".into(),
            },
        ]
    }

    #[test]
    fn the_most_steps_of_the_longest_spans_fit_a_frame() {
        let longest = StepSpan {
            step: u32::MAX,
            start_ns: u64::MAX,
            end_ns: u64::MAX,
            cpu_ns: Some(u64::MAX),
        };
        let one = postcard::to_stdvec(&longest).unwrap();
        assert_eq!(one.len(), MAX_STEP_SPAN_BYTES);
        for msg in [
            FromWorker::Steps {
                task: u32::MAX,
                steps: vec![longest; STEPS_PER_FRAME],
            },
            FromWorker::Finished {
                task: u32::MAX,
                answer: Answer::Prime(true),
                end_ns: u64::MAX,
                steps: vec![longest; STEPS_PER_FRAME],
            },
        ] {
            let mut out = Vec::new();
            encode(&msg, &mut out).unwrap();
            assert!(out.len() <= MAX_FRAME_BYTES, "{}", out.len());
        }
    }

    fn encoded(msgs: &[FromWorker]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in msgs {
            encode(m, &mut out).unwrap();
        }
        out
    }

    fn read_all(bytes: &[u8], piece: usize) -> Result<Vec<FromWorker>, FrameError> {
        let mut r = FrameReader::new();
        let mut out = Vec::new();
        for chunk in bytes.chunks(piece.max(1)) {
            r.push(chunk);
            while let Some(m) = r.next_message::<FromWorker>()? {
                out.push(m);
            }
        }
        r.finish()?;
        Ok(out)
    }

    #[test]
    fn every_message_round_trips_whatever_the_pieces() {
        let msgs = samples();
        let bytes = encoded(&msgs);
        for piece in [1, 2, 3, 5, 64, bytes.len()] {
            assert_eq!(read_all(&bytes, piece).unwrap(), msgs, "pieces of {piece}");
        }
        let task = ToWorker::Tasks {
            work: WorkSpec {
                workload: WorkloadKind::Mixed,
                number: u64::MAX,
                io_wait_ns: 250_000_000,
                net: crate::plan::workload::NetSpec::DEFAULT,
            },
            first: 3,
            count: 1000,
            origin_mono_ns: 99,
            announce: true,
        };
        let mut out = Vec::new();
        encode(&task, &mut out).unwrap();
        let mut r = FrameReader::new();
        r.push(&out);
        assert_eq!(r.next_message::<ToWorker>().unwrap(), Some(task));
        assert_eq!(r.next_message::<ToWorker>().unwrap(), None);
    }

    #[test]
    fn a_truncated_frame_is_an_error_at_the_end_of_the_stream() {
        let bytes = encoded(&samples()[..2]);
        for cut in 1..bytes.len() {
            let whole_frames = read_all(&bytes[..cut], 7);
            let first_len = LEN_BYTES + u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
            if cut == first_len {
                assert_eq!(whole_frames.unwrap().len(), 1);
            } else {
                assert!(
                    matches!(whole_frames, Err(FrameError::Truncated { .. })),
                    "cut at {cut}: {whole_frames:?}"
                );
            }
        }
        assert_eq!(
            read_all(&[1, 0], 1),
            Err(FrameError::Truncated { have: 2, need: 4 })
        );
    }

    #[test]
    fn an_oversized_length_fails_before_the_body_arrives() {
        let mut r = FrameReader::new();
        r.push(&u32::MAX.to_le_bytes());
        assert_eq!(
            r.next_message::<FromWorker>(),
            Err(FrameError::Oversized {
                len: u32::MAX as u64
            })
        );
        let mut r = FrameReader::new();
        r.push(&((MAX_FRAME_BYTES + 1) as u32).to_le_bytes());
        assert!(matches!(
            r.next_message::<FromWorker>(),
            Err(FrameError::Oversized { .. })
        ));
        let huge = FromWorker::Panicked {
            message: "x".repeat(MAX_FRAME_BYTES + 1),
        };
        let mut out = vec![7];
        assert!(matches!(
            encode(&huge, &mut out),
            Err(FrameError::Oversized { .. })
        ));
        assert_eq!(out, [7], "a refused frame leaves nothing behind");
    }

    #[test]
    fn garbage_and_trailing_bytes_are_errors() {
        // An enum tag no message has.
        let mut r = FrameReader::new();
        r.push(&[1, 0, 0, 0, 200]);
        assert!(matches!(
            r.next_message::<FromWorker>(),
            Err(FrameError::Garbage(_))
        ));
        // An empty frame.
        let mut r = FrameReader::new();
        r.push(&[0, 0, 0, 0]);
        assert!(matches!(
            r.next_message::<FromWorker>(),
            Err(FrameError::Garbage(_))
        ));
        // A whole message with a byte too many inside its frame.
        let mut frame = encoded(&samples()[..1]);
        frame.push(0);
        frame[0] += 1;
        let mut r = FrameReader::new();
        r.push(&frame);
        assert_eq!(
            r.next_message::<FromWorker>(),
            Err(FrameError::TrailingBytes(1))
        );
        // Text where frames were expected (a program that is not a parlab worker).
        let mut r = FrameReader::new();
        r.push(b"running 3 tests\n");
        assert!(r.next_message::<FromWorker>().is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut r = FrameReader::new();
            r.push(&bytes);
            for _ in 0..bytes.len() + 1 {
                match r.next_message::<FromWorker>() {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                }
            }
            let _ = r.finish();
        }

        #[test]
        fn a_finished_frame_survives_any_split(
            task: u32, end_ns: u64, split in 0usize..64,
            steps in proptest::collection::vec((0u32..8, any::<u64>(), any::<u64>()), 0..8),
        ) {
            let msg = FromWorker::Finished {
                task,
                answer: Answer::Done,
                end_ns,
                steps: steps
                    .into_iter()
                    .map(|(step, start_ns, end_ns)| StepSpan {
                        step,
                        start_ns,
                        end_ns,
                        cpu_ns: None,
                    })
                    .collect(),
            };
            let bytes = encoded(std::slice::from_ref(&msg));
            let split = split.min(bytes.len());
            let mut r = FrameReader::new();
            r.push(&bytes[..split]);
            let early = r.next_message::<FromWorker>().unwrap();
            r.push(&bytes[split..]);
            let got = match early {
                Some(m) => m,
                None => r.next_message::<FromWorker>().unwrap().unwrap(),
            };
            prop_assert_eq!(got, msg);
            prop_assert!(r.finish().is_ok());
        }
    }
}
