//! Pure arithmetic on measurements: speedup, efficiency, CPU use, and what repeated runs say
//! (median, spread, outliers, the speedup's spread, an Amdahl's-law fit).
//!
//! Nothing here measures or prints; every function takes numbers and returns numbers, so each
//! can be tested exactly.

mod running;

pub use running::RunningMedian;

/// How many times faster `wall_s` is than the baseline's (`None` without a usable baseline).
pub fn speedup(baseline_wall_s: Option<f64>, wall_s: f64) -> Option<f64> {
    match baseline_wall_s {
        Some(b) if b > 0.0 && wall_s > 0.0 => Some(b / wall_s),
        _ => None,
    }
}

/// CPU time over wall time: 1.0 means one core busy for the whole run.
pub fn cpu_use(cpu_s: f64, wall_s: f64) -> f64 {
    if wall_s > 0.0 { cpu_s / wall_s } else { 0.0 }
}

/// The values sorted ascending (NaN last).
fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// The median: the middle value, or the mean of the two middle ones (NaN for no values).
pub fn median(xs: &[f64]) -> f64 {
    let v = sorted(xs);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The arithmetic mean (NaN for no values).
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The sample standard deviation (n − 1 in the denominator); 0 for fewer than two values.
pub fn stddev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    let ss: f64 = xs.iter().map(|x| (x - m).powi(2)).sum();
    (ss / (xs.len() - 1) as f64).sqrt()
}

/// The coefficient of variation: standard deviation over mean (0 when the mean is not positive).
pub fn cv(xs: &[f64]) -> f64 {
    let m = mean(xs);
    if m > 0.0 { stddev(xs) / m } else { 0.0 }
}

/// The median absolute deviation from the median.
pub fn mad(xs: &[f64]) -> f64 {
    let m = median(xs);
    median(&xs.iter().map(|x| (x - m).abs()).collect::<Vec<_>>())
}

/// The score above which a value is an outlier (Iglewicz and Hoaglin).
pub const OUTLIER_SCORE: f64 = 3.5;

/// The smallest MAD [`outliers`] uses, as a share of the median. Runs on a shared machine are
/// never steadier than this, so with it a run must differ from the median by more than about
/// 2.6% (3.5 / 0.6745 × 0.5%) to be an outlier, however alike the other runs were.
pub const MAD_FLOOR: f64 = 0.005;

/// The modified Z-score of every value: 0.6745 (x − median) / MAD.
///
/// When more than half the values are equal the MAD is 0; then the mean absolute deviation
/// stands in (scaled by 1.253314, as Iglewicz and Hoaglin suggest), and when that is 0 too,
/// every value equals the median and every score is 0.
#[cfg(test)]
pub fn modified_z_scores(xs: &[f64]) -> Vec<f64> {
    z_scores(xs, 0.0)
}

/// Modified Z-scores with the MAD at least `mad_floor`.
fn z_scores(xs: &[f64], mad_floor: f64) -> Vec<f64> {
    let m = median(xs);
    let mad = mad(xs).max(mad_floor);
    let scale = if mad > 0.0 {
        mad / 0.6745
    } else {
        1.253314 * mean(&xs.iter().map(|x| (x - m).abs()).collect::<Vec<_>>())
    };
    xs.iter()
        .map(|x| if scale > 0.0 { (x - m) / scale } else { 0.0 })
        .collect()
}

/// The indices of the values whose modified Z-score exceeds [`OUTLIER_SCORE`], with the MAD at
/// least [`MAD_FLOOR`] of the median.
pub fn outliers(xs: &[f64]) -> Vec<usize> {
    if xs.len() < 3 {
        return Vec::new();
    }
    z_scores(xs, MAD_FLOOR * median(xs).abs())
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() > OUTLIER_SCORE)
        .map(|(i, _)| i)
        .collect()
}

/// The figures of a set of repeated measurements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many values.
    pub n: usize,
    /// The median.
    pub median: f64,
    /// The mean.
    pub mean: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// The sample standard deviation.
    pub stddev: f64,
    /// Standard deviation over mean.
    pub cv: f64,
}

impl Summary {
    /// The summary of `xs` (NaN figures for no values).
    pub fn of(xs: &[f64]) -> Self {
        let v = sorted(xs);
        Self {
            n: xs.len(),
            median: median(xs),
            mean: mean(xs),
            min: v.first().copied().unwrap_or(f64::NAN),
            max: v.last().copied().unwrap_or(f64::NAN),
            stddev: stddev(xs),
            cv: cv(xs),
        }
    }
}

/// The index of the value nearest the median (the first such): the run that stands for all.
#[cfg(test)]
pub fn median_index(xs: &[f64]) -> Option<usize> {
    let m = median(xs);
    xs.iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| (*a - m).abs().total_cmp(&(*b - m).abs()))
        .map(|(i, _)| i)
}

/// The speedups of interleaved runs taken pair by pair: run i of the baseline over run i of
/// the approach, for as many pairs as both have. Pairs taken close in time share the machine's
/// state, so their ratios show the speedup's spread without the drift between rounds.
pub fn pairwise_ratios(baseline: &[f64], runs: &[f64]) -> Vec<f64> {
    baseline
        .iter()
        .zip(runs)
        .filter(|(b, r)| **b > 0.0 && **r > 0.0)
        .map(|(b, r)| b / r)
        .collect()
}

/// The range of the speedup of `runs` over `baseline` that contains the ratio of their
/// medians: with as many runs as the baseline, the least and greatest ratio of the runs of the
/// same round (the median is monotone, so the ratio of medians lies between them); otherwise
/// the least and greatest ratio over every pair (slowest baseline run over fastest run and the
/// reverse). None when either has no positive time.
pub fn speedup_range(baseline: &[f64], runs: &[f64]) -> Option<(f64, f64)> {
    let ratios = if baseline.len() == runs.len() {
        pairwise_ratios(baseline, runs)
    } else {
        let positive = |xs: &[f64]| xs.iter().copied().filter(|x| *x > 0.0).collect::<Vec<_>>();
        let (b, r) = (positive(baseline), positive(runs));
        let lo = b.iter().copied().reduce(f64::min);
        let hi = b.iter().copied().reduce(f64::max);
        let (fast, slow) = (
            r.iter().copied().reduce(f64::min),
            r.iter().copied().reduce(f64::max),
        );
        match (lo, hi, fast, slow) {
            (Some(lo), Some(hi), Some(fast), Some(slow)) => vec![lo / slow, hi / fast],
            _ => Vec::new(),
        }
    };
    let lo = ratios.iter().copied().reduce(f64::min)?;
    let hi = ratios.iter().copied().reduce(f64::max)?;
    Some((lo, hi))
}

/// Amdahl's law: the speedup on `n` workers of work whose parallel fraction is `p`.
pub fn amdahl(p: f64, n: f64) -> f64 {
    1.0 / ((1.0 - p) + p / n.max(1.0))
}

/// The parallel fraction p in 0..=1 that best fits `points` (effective workers, speedup) to
/// Amdahl's law, by least squares on the speedups. `None` without a point beyond one worker.
///
/// The squared error is scanned on a grid of p and then refined by golden-section search
/// around the best grid point, which finds the minimum to about 1e-9 for any data.
pub fn fit_amdahl(points: &[(f64, f64)]) -> Option<f64> {
    let usable: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(n, s)| n.is_finite() && s.is_finite() && *s > 0.0)
        .collect();
    if !usable.iter().any(|(n, _)| *n > 1.0) {
        return None;
    }
    let sse = |p: f64| -> f64 {
        usable
            .iter()
            .map(|(n, s)| (s - amdahl(p, *n)).powi(2))
            .sum()
    };
    const GRID: usize = 1000;
    let best = (0..=GRID)
        .map(|i| i as f64 / GRID as f64)
        .min_by(|a, b| sse(*a).total_cmp(&sse(*b)))?;
    let step = 1.0 / GRID as f64;
    let (mut lo, mut hi) = ((best - step).max(0.0), (best + step).min(1.0));
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let a = hi - phi * (hi - lo);
        let b = lo + phi * (hi - lo);
        if sse(a) <= sse(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    Some((lo + hi) / 2.0)
}

/// The coefficient of determination of `predict` on `points` (x, y): 1 − SSE/SST. None with
/// fewer than two points or no spread in y.
pub fn r_squared(points: &[(f64, f64)], predict: impl Fn(f64) -> f64) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let sst: f64 = points.iter().map(|p| (p.1 - mean).powi(2)).sum();
    let sse: f64 = points.iter().map(|p| (p.1 - predict(p.0)).powi(2)).sum();
    (sst > 0.0).then(|| 1.0 - sse / sst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn arithmetic() {
        assert_eq!(speedup(Some(2.0), 1.0), Some(2.0));
        assert_eq!(speedup(None, 1.0), None);
        assert_eq!(speedup(Some(0.0), 1.0), None);
        let line = [(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert_eq!(r_squared(&line, |x| x), Some(1.0));
        assert!(r_squared(&line, |_| 2.0).unwrap().abs() < 1e-12);
        assert_eq!(r_squared(&line[..1], |x| x), None);
        assert_eq!(cpu_use(3.0, 2.0), 1.5);
        assert_eq!(cpu_use(3.0, 0.0), 0.0);
    }

    #[test]
    fn summary_of_known_values() {
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(s.n, 8);
        assert_eq!(s.median, 4.5);
        assert_eq!(s.mean, 5.0);
        assert_eq!((s.min, s.max), (2.0, 9.0));
        assert!((s.stddev - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert!((s.cv - s.stddev / 5.0).abs() < 1e-12);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert!(median(&[]).is_nan());
        assert_eq!(stddev(&[1.0]), 0.0);
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 100.0]), 1.0);
        assert_eq!(median_index(&[5.0, 1.0, 3.0]), Some(2));
        assert_eq!(median_index(&[]), None);
    }

    #[test]
    fn outliers_by_modified_z_score() {
        let xs = [1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.50];
        assert_eq!(outliers(&xs), vec![6]);
        // Slow and fast outliers alike.
        let xs = [1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 0.50];
        assert_eq!(outliers(&xs), vec![6]);
        // Ordinary spread is not an outlier.
        assert!(outliers(&[1.0, 1.1, 0.9, 1.05, 0.95]).is_empty());
        // Nor is a 0.6% step among runs that agree to 0.01%: the MAD has a floor.
        let steady = [1.000, 1.0001, 0.9999, 1.0000, 1.006];
        assert!(modified_z_scores(&steady)[4] > OUTLIER_SCORE);
        assert!(outliers(&steady).is_empty());
        assert_eq!(outliers(&[1.000, 1.0001, 0.9999, 1.0000, 1.03]), vec![4]);
        // MAD of 0: the mean absolute deviation stands in.
        assert_eq!(outliers(&[1.0, 1.0, 1.0, 1.0, 1.0, 9.0]), vec![5]);
        assert!(outliers(&[2.0; 5]).is_empty());
        assert!(outliers(&[1.0, 100.0]).is_empty(), "too few to judge");
    }

    #[test]
    fn ratios_pair_runs_by_index() {
        assert_eq!(
            pairwise_ratios(&[4.0, 6.0, 8.0], &[2.0, 2.0]),
            vec![2.0, 3.0]
        );
        assert!(pairwise_ratios(&[1.0], &[0.0]).is_empty());
    }

    #[test]
    fn amdahl_fit_recovers_known_fractions() {
        let pts: Vec<(f64, f64)> = [1.0, 2.0, 2.0, 2.0]
            .iter()
            .map(|&n| (n, amdahl(0.9, n)))
            .collect();
        assert!((fit_amdahl(&pts).unwrap() - 0.9).abs() < 1e-6);
        // Perfect scaling and none at all are the ends of the range.
        assert!(fit_amdahl(&[(1.0, 1.0), (2.0, 2.0), (4.0, 4.0)]).unwrap() > 0.999_999);
        assert!(fit_amdahl(&[(1.0, 1.0), (2.0, 0.5), (4.0, 0.25)]).unwrap() < 1e-6);
        assert_eq!(fit_amdahl(&[(1.0, 1.0)]), None);
        assert_eq!(fit_amdahl(&[]), None);
    }

    proptest! {
        #[test]
        fn summary_bounds(xs in proptest::collection::vec(1e-6f64..1e3, 1..40)) {
            let s = Summary::of(&xs);
            prop_assert!(s.min <= s.median && s.median <= s.max);
            prop_assert!(s.min <= s.mean * (1.0 + 1e-12) && s.mean <= s.max * (1.0 + 1e-12));
            prop_assert!(s.stddev >= 0.0 && s.cv >= 0.0);
            prop_assert!(s.stddev <= (s.max - s.min) + 1e-9);
        }

        #[test]
        fn outliers_are_far_from_the_median(xs in proptest::collection::vec(0.1f64..10.0, 3..40)) {
            let m = median(&xs);
            let mad = mad(&xs);
            for i in outliers(&xs) {
                // An outlier is never closer to the median than a typical value is.
                prop_assert!((xs[i] - m).abs() >= mad);
            }
        }

        #[test]
        fn ratios_bound_the_ratio_of_medians(
            pairs in proptest::collection::vec((0.1f64..10.0, 0.1f64..10.0), 1..30)
        ) {
            let (b, r): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
            let ratios = pairwise_ratios(&b, &r);
            let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ratios.iter().copied().fold(0.0, f64::max);
            let headline = median(&b) / median(&r);
            prop_assert!(lo * (1.0 - 1e-12) <= headline && headline <= hi * (1.0 + 1e-12));
        }

        /// With different run counts (auto repetitions) too: the printed speedup lies in its
        /// printed range (the bug was `1.06x (0.59–0.91)`).
        #[test]
        fn the_speedup_range_holds_the_speedup(
            b in proptest::collection::vec(0.1f64..10.0, 1..8),
            r in proptest::collection::vec(0.1f64..10.0, 1..8),
        ) {
            let (lo, hi) = speedup_range(&b, &r).unwrap();
            let headline = median(&b) / median(&r);
            prop_assert!(lo * (1.0 - 1e-12) <= headline && headline <= hi * (1.0 + 1e-12));
        }

        #[test]
        fn amdahl_fit_round_trips(p in 0.0f64..=1.0, cores in 2usize..16) {
            let pts: Vec<(f64, f64)> = (1..=cores * 2)
                .map(|n| n.min(cores) as f64)
                .map(|n| (n, amdahl(p, n)))
                .collect();
            prop_assert!((fit_amdahl(&pts).unwrap() - p).abs() < 1e-6);
        }
    }
}
