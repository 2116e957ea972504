//! Truncation schedules (learned_optimization's `outer_trainers/truncation_schedule.py`): how
//! long an inner training run lasts before it is reset with fresh parameters.

use optax_core::{OptaxError, Result};
use rand::rngs::StdRng;
use rand::Rng;

/// The length of each inner run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TruncationSchedule {
    /// `ConstantTruncationSchedule(total_length)`: every run lasts `total_length` steps.
    Constant(usize),
    /// `LogUniformLengthSchedule(min_length, max_length)`: each run lasts
    /// `⌊exp(U[ln min, ln max])⌋` steps, drawn when it starts.
    LogUniform {
        /// The shortest run.
        min_length: usize,
        /// The longest run.
        max_length: usize,
    },
    /// `NeverEndingTruncationSchedule()`: runs are never reset.
    NeverEnding,
}

impl TruncationSchedule {
    /// Checks the lengths: at least one step, `min_length ≤ max_length`.
    pub fn validate(&self) -> Result<()> {
        match *self {
            TruncationSchedule::Constant(0) => Err(OptaxError::invalid(
                "total_length",
                "a run needs at least one step",
            )),
            TruncationSchedule::LogUniform {
                min_length,
                max_length,
            } if min_length == 0 || min_length > max_length => Err(OptaxError::invalid(
                "min_length",
                format!("need 1 ≤ min_length ≤ max_length, got {min_length} and {max_length}"),
            )),
            _ => Ok(()),
        }
    }

    /// The length of a run starting now (`None`: never ends).
    pub fn sample_length(&self, rng: &mut StdRng) -> Option<usize> {
        match *self {
            TruncationSchedule::Constant(n) => Some(n),
            TruncationSchedule::LogUniform {
                min_length,
                max_length,
            } => {
                let (lo, hi) = ((min_length as f64).ln(), (max_length as f64).ln());
                let u: f64 = rng.random();
                Some(((lo + u * (hi - lo)).exp().floor() as usize).clamp(min_length, max_length))
            }
            TruncationSchedule::NeverEnding => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn log_uniform_lengths_stay_in_range_and_spread_in_log_space() {
        let mut rng = StdRng::seed_from_u64(0);
        let s = TruncationSchedule::LogUniform {
            min_length: 10,
            max_length: 1000,
        };
        let lengths: Vec<usize> = (0..4000)
            .map(|_| s.sample_length(&mut rng).unwrap())
            .collect();
        assert!(lengths.iter().all(|&l| (10..=1000).contains(&l)));
        // Log-uniform: half below the geometric mean, 100.
        let below = lengths.iter().filter(|&&l| l < 100).count() as f64 / 4000.0;
        assert!((below - 0.5).abs() < 0.04, "{below}");
        assert_eq!(
            TruncationSchedule::Constant(7).sample_length(&mut rng),
            Some(7)
        );
        assert_eq!(
            TruncationSchedule::NeverEnding.sample_length(&mut rng),
            None
        );
        assert!(TruncationSchedule::Constant(0).validate().is_err());
        assert!(TruncationSchedule::LogUniform {
            min_length: 5,
            max_length: 2
        }
        .validate()
        .is_err());
    }
}
