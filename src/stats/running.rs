//! The median of values that arrive one at a time, kept up to date in O(log n) per value.
//!
//! The scheduler needs the median of an approach's runs so far after every run (to keep the
//! task events of the runs nearest it), and a worker pool the median task so far: sorting every
//! value again each time made both quadratic in the number of runs or tasks.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// An `f64` ordered by [`f64::total_cmp`], as [`super::median`] sorts.
#[derive(Debug, Clone, Copy)]
struct Total(f64);

impl PartialEq for Total {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Total {}
impl PartialOrd for Total {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Total {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The median of every value pushed so far: the lower half in a max-heap, the upper half in a
/// min-heap, so the middle values are the two tops. Gives exactly what [`super::median`] gives
/// for the same values.
#[derive(Debug, Clone, Default)]
pub struct RunningMedian {
    /// The lower half, with the middle value when the count is odd.
    low: BinaryHeap<Total>,
    /// The upper half.
    high: BinaryHeap<Reverse<Total>>,
}

impl RunningMedian {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `x`, in O(log n).
    pub fn push(&mut self, x: f64) {
        let x = Total(x);
        if self.low.peek().is_none_or(|top| x <= *top) {
            self.low.push(x);
        } else {
            self.high.push(Reverse(x));
        }
        // Rebalance: the lower half holds as many values as the upper half, or one more.
        if self.low.len() > self.high.len() + 1 {
            let moved = self.low.pop().expect("the lower half is not empty");
            self.high.push(Reverse(moved));
        } else if self.high.len() > self.low.len() {
            let Reverse(moved) = self.high.pop().expect("the upper half is not empty");
            self.low.push(moved);
        }
    }

    /// How many values were pushed.
    pub fn len(&self) -> usize {
        self.low.len() + self.high.len()
    }

    /// The median: the middle value, or the mean of the two middle ones (NaN for no values).
    pub fn median(&self) -> f64 {
        match (self.low.peek(), self.high.peek()) {
            (None, _) => f64::NAN,
            (Some(lo), Some(Reverse(hi))) if self.low.len() == self.high.len() => {
                (lo.0 + hi.0) / 2.0
            }
            (Some(lo), _) => lo.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_one_and_two() {
        let mut m = RunningMedian::new();
        assert!(m.median().is_nan() && m.len() == 0);
        m.push(3.0);
        assert_eq!((m.median(), m.len()), (3.0, 1));
        m.push(1.0);
        assert_eq!(m.median(), 2.0);
        m.push(10.0);
        assert_eq!(m.median(), 3.0);
    }

    proptest! {
        #[test]
        fn agrees_with_the_sorted_median_after_every_value(
            xs in proptest::collection::vec(prop_oneof![
                any::<f64>(),
                (0u8..5).prop_map(f64::from),
            ], 0..200),
        ) {
            let mut m = RunningMedian::new();
            for (i, &x) in xs.iter().enumerate() {
                m.push(x);
                let want = crate::stats::median(&xs[..=i]);
                let got = m.median();
                prop_assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "after {:?}: {} != {}", &xs[..=i], got, want
                );
            }
        }
    }
}
