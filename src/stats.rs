//! Pure arithmetic on measurements: speedup, efficiency, CPU use.

/// How many times faster `wall_s` is than the baseline's (`None` without a usable baseline).
pub fn speedup(baseline_wall_s: Option<f64>, wall_s: f64) -> Option<f64> {
    match baseline_wall_s {
        Some(b) if b > 0.0 && wall_s > 0.0 => Some(b / wall_s),
        _ => None,
    }
}

/// Speedup as a share of the best an approach could do here (`ideal` tasks at once).
pub fn efficiency(speedup: Option<f64>, ideal: usize) -> Option<f64> {
    speedup.map(|s| s / ideal.max(1) as f64)
}

/// CPU time over wall time: 1.0 means one core busy for the whole run.
pub fn cpu_use(cpu_s: f64, wall_s: f64) -> f64 {
    if wall_s > 0.0 { cpu_s / wall_s } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        assert_eq!(speedup(Some(2.0), 1.0), Some(2.0));
        assert_eq!(speedup(None, 1.0), None);
        assert_eq!(speedup(Some(0.0), 1.0), None);
        assert_eq!(efficiency(Some(1.5), 2), Some(0.75));
        assert_eq!(efficiency(Some(1.5), 0), Some(1.5));
        assert_eq!(cpu_use(3.0, 2.0), 1.5);
        assert_eq!(cpu_use(3.0, 0.0), 0.0);
    }
}
