//! Putting another host's clock beside parlab's: each host's `CLOCK_MONOTONIC` counts from its
//! own boot, so its task times mean nothing on parlab's clock until shifted by the difference.
//!
//! The method (NTP's, on one link): parlab sends `ping` over the join connection at `t0` on its
//! clock, the host answers at once with `pong T` (its clock), and parlab reads the answer at
//! `t1`. If the answer was taken half-way, the host's clock is `T - (t0 + t1) / 2` ahead of
//! parlab's; it cannot be off by more than half the round trip `t1 - t0`. Of several exchanges
//! the one with the shortest round trip is kept: it is the least disturbed by queueing.

/// How many ping–pong exchanges measure one host's offset.
pub const EXCHANGES: usize = 8;

/// One exchange: parlab's clock when it sent `ping` and when the answer came, and the host's
/// clock in the answer, all ns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exchange {
    /// parlab's clock as it sent `ping`.
    pub sent: i64,
    /// The host's clock in its `pong`.
    pub theirs: i64,
    /// parlab's clock as the answer came.
    pub back: i64,
}

/// A host's clock against parlab's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset {
    /// The host's clock minus parlab's, ns.
    pub ns: i64,
    /// The most it can be off, ns: half the round trip it came from.
    pub error_ns: u64,
}

/// The offset from the exchange with the shortest round trip; None without one.
pub fn estimate(exchanges: &[Exchange]) -> Option<Offset> {
    exchanges
        .iter()
        .filter(|e| e.back >= e.sent)
        .min_by_key(|e| e.back - e.sent)
        .map(|e| {
            let round_trip = e.back - e.sent;
            // In i128: a host's answer comes over a network and may be any number.
            let ns = i128::from(e.theirs) - (i128::from(e.sent) + i128::from(round_trip / 2));
            Offset {
                ns: ns.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
                error_ns: (round_trip as u64).div_ceil(2),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shortest_round_trip_gives_the_offset_and_its_error() {
        // The host is 5 s ahead; the answers are taken half-way, except where queueing delays
        // the way back (the 2nd), which the shortest round trip leaves out.
        let ahead = 5_000_000_000;
        let xs = [
            Exchange {
                sent: 1_000,
                theirs: 1_400 + ahead,
                back: 1_800,
            },
            Exchange {
                sent: 2_000,
                theirs: 2_100 + ahead,
                back: 9_000,
            },
            Exchange {
                sent: 10_000,
                theirs: 10_150 + ahead,
                back: 10_300,
            },
        ];
        let o = estimate(&xs).unwrap();
        assert_eq!(o.ns, ahead);
        assert_eq!(o.error_ns, 150);
        assert_eq!(estimate(&[]), None);
        // A clock behind parlab's gives a negative offset.
        let behind = [Exchange {
            sent: 100,
            theirs: -900,
            back: 300,
        }];
        assert_eq!(estimate(&behind).unwrap().ns, -1_100);
        // Any answer at all is measured without overflow.
        let wild = [Exchange {
            sent: 1_000,
            theirs: i64::MIN,
            back: 3_000,
        }];
        assert_eq!(estimate(&wild).unwrap().ns, i64::MIN);
    }
}
