//! The arithmetic every CPU task does, and an independent reference to check it against.
//!
//! The work is deliberately the seed Python tool's naive trial division (every divisor from 2 up
//! to the square root, no skipping of even numbers) so that figures stay comparable with it. The
//! reference is a deterministic Miller–Rabin test: a different algorithm, so a trial division that
//! is fast because it is wrong cannot agree with it by accident.

use std::sync::atomic::{AtomicU64, Ordering};

/// How many divisions a task does between two bumps of its shared progress counter (and two
/// looks at the cancel flag). Coarse enough that the atomic costs nothing measurable.
pub const PROGRESS_STEP: u64 = 1 << 20;

/// The largest candidate divisor trial division needs for `n`: the integer square root.
pub fn isqrt(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    // A float estimate, then corrected in both directions: f64 has 53 bits of mantissa.
    let mut r = (n as f64).sqrt() as u64;
    while r.checked_mul(r).is_none_or(|sq| sq > n) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|sq| sq <= n) {
        r += 1;
    }
    r
}

/// The divisors trial division of `n` tries: `2..=isqrt(n)` (empty for `n < 4`).
pub fn divisor_range(n: u64) -> (u64, u64) {
    (2, isqrt(n))
}

/// What a stretch of trial division found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Division {
    /// No divisor in the stretch.
    NoDivisor,
    /// The smallest divisor found in the stretch.
    Divisor(u64),
    /// The cancel flag was raised before the stretch was finished.
    Cancelled,
}

/// Tries every divisor in `from..=to` on `n`, bumping `progress` by [`PROGRESS_STEP`] every
/// `PROGRESS_STEP` divisions and stopping early when `cancelled` returns true (checked at the
/// same coarse step).
pub fn divide(
    n: u64,
    from: u64,
    to: u64,
    progress: &AtomicU64,
    cancelled: impl Fn() -> bool,
) -> Division {
    let mut i = from;
    while i <= to {
        let block_end = to.min(i.saturating_add(PROGRESS_STEP - 1));
        while i <= block_end {
            // `%` rather than `is_multiple_of`: the timed kernel keeps its exact instructions.
            #[allow(clippy::manual_is_multiple_of)]
            if n % i == 0 {
                return Division::Divisor(i);
            }
            i += 1;
        }
        progress.fetch_add(PROGRESS_STEP, Ordering::Relaxed);
        if cancelled() {
            return Division::Cancelled;
        }
        if i == 0 {
            break; // wrapped past u64::MAX
        }
    }
    Division::NoDivisor
}

/// Naive trial division over the whole range: the work of one `cpu` task, without progress.
///
/// ```
/// use parlab::plan::primes::{is_prime_reference, is_prime_trial};
/// assert!(is_prime_trial(1_000_000_007));
/// assert!(!is_prime_trial(999_983 * 1_000_003));
/// // The independent reference agrees.
/// assert_eq!(is_prime_trial(561), is_prime_reference(561));
/// ```
pub fn is_prime_trial(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let (from, to) = divisor_range(n);
    divide(n, from, to, &AtomicU64::new(0), || false) == Division::NoDivisor
}

/// Deterministic Miller–Rabin for every u64 (the first twelve primes as witnesses suffice).
pub fn is_prime_reference(n: u64) -> bool {
    const WITNESSES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    if n < 2 {
        return false;
    }
    for p in WITNESSES {
        if n.is_multiple_of(p) {
            return n == p;
        }
    }
    let mut d = n - 1;
    let mut s = 0;
    while d.is_multiple_of(2) {
        d /= 2;
        s += 1;
    }
    'witness: for a in WITNESSES {
        let mut x = pow_mod(a, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..s {
            x = mul_mod(x, x, n);
            if x == n - 1 {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

fn mul_mod(a: u64, b: u64, m: u64) -> u64 {
    ((a as u128 * b as u128) % m as u128) as u64
}

fn pow_mod(mut base: u64, mut exp: u64, m: u64) -> u64 {
    let mut result = 1;
    base %= m;
    while exp > 0 {
        if exp & 1 == 1 {
            result = mul_mod(result, base, m);
        }
        base = mul_mod(base, base, m);
        exp >>= 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_numbers() {
        let primes: Vec<u64> = (0..60).filter(|&n| is_prime_trial(n)).collect();
        assert_eq!(
            primes,
            [
                2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59
            ]
        );
        let reference: Vec<u64> = (0..60).filter(|&n| is_prime_reference(n)).collect();
        assert_eq!(primes, reference);
    }

    #[test]
    fn zero_one_two() {
        assert!(!is_prime_trial(0));
        assert!(!is_prime_trial(1));
        assert!(is_prime_trial(2));
        assert!(!is_prime_reference(0));
        assert!(!is_prime_reference(1));
        assert!(is_prime_reference(2));
    }

    #[test]
    fn squares_of_primes_are_composite() {
        for p in [2u64, 3, 5, 7, 31, 65_521, 1_000_003] {
            let sq = p * p;
            assert!(!is_prime_trial(sq), "{sq}");
            assert!(!is_prime_reference(sq), "{sq}");
        }
    }

    #[test]
    fn known_large_primes_and_composites() {
        // The seed tool's default and its other example.
        assert!(is_prime_reference(834_238_027_356_431));
        assert!(is_prime_reference(109_797_044_856_282_383) == is_prime_trial_fast_check());
        assert!(is_prime_trial(1_000_000_007));
        assert!(!is_prime_trial(1_000_000_007 * 3));
        // A semiprime whose factors are both near the square root: the full range is tried.
        assert!(!is_prime_trial(999_983 * 1_000_003));
        assert!(!is_prime_reference(999_983 * 1_000_003));
        // Carmichael numbers fool Fermat tests but not these.
        for c in [561u64, 1105, 1729, 2465, 2821, 6601, 8911] {
            assert!(!is_prime_trial(c));
            assert!(!is_prime_reference(c));
        }
    }

    /// 109797044856282383 has a small factor, so trial division answers quickly.
    fn is_prime_trial_fast_check() -> bool {
        is_prime_trial(109_797_044_856_282_383)
    }

    #[test]
    fn u64_edges() {
        assert_eq!(isqrt(u64::MAX), 4_294_967_295);
        let sq = 4_294_967_295u64 * 4_294_967_295;
        assert_eq!(isqrt(sq), 4_294_967_295);
        assert_eq!(isqrt(sq - 1), 4_294_967_294);
        assert!(!is_prime_trial(u64::MAX)); // 3 × 5 × 17 × …
        assert!(!is_prime_reference(u64::MAX));
        assert!(is_prime_reference(18_446_744_073_709_551_557)); // the largest u64 prime
        assert!(!is_prime_reference(18_446_744_073_709_551_556));
    }

    #[test]
    fn progress_counts_blocks_and_cancel_stops() {
        let progress = AtomicU64::new(0);
        let n = 1_000_000_007u64; // prime: the whole range is tried
        let (from, to) = divisor_range(n);
        assert_eq!(
            divide(n, from, to, &progress, || false),
            Division::NoDivisor
        );
        assert_eq!(progress.load(Ordering::Relaxed), PROGRESS_STEP); // 31622 divisors: one block
        let big = 834_238_027_356_431u64;
        let (from, to) = divisor_range(big);
        assert_eq!(
            divide(big, from, to, &progress, || true),
            Division::Cancelled
        );
    }

    proptest! {
        #[test]
        fn trial_division_agrees_with_reference(n in 0u64..5_000_000) {
            prop_assert_eq!(is_prime_trial(n), is_prime_reference(n));
        }

        #[test]
        fn isqrt_is_the_floor_square_root(n: u64) {
            let r = isqrt(n) as u128;
            prop_assert!(r * r <= n as u128 && (r + 1) * (r + 1) > n as u128);
        }
    }
}
