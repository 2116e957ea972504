//! `scale_by_muon`: momentum orthogonalized by Newton–Schulz (Muon's scaling).
//!
//! Jordan, *modded-nanogpt: Speedrunning the NanoGPT baseline* (2024),
//! <https://github.com/KellerJordan/modded-nanogpt>; Bernstein & Newhouse, *Old Optimizer, New
//! Norm: An Anthology* (<https://arxiv.org/abs/2409.20325>) for the `adaptive` dual-norm scale.
//!
//! ```text
//! m_t = β·m_{t-1} + (1 - β)·g_t
//! m̂_t = m_t / (1 - β^t)                                          (nesterov = false)
//! m̂_t = β·m_t / (1 - β^{t+1}) + (1 - β)·g_t / (1 - β^t)          (nesterov = true, default)
//! u_t = NS(m̂_t)                       (per leaf; see `newton_schulz` for NS)
//! u_t = ⟨m̂_t, u_t⟩·u_t                 (adaptive)
//! ```

use burn::tensor::{DType, Tensor, TensorData};

use super::newton_schulz::{
    orthogonalize, steps_of, Preconditioning, WeightDimensionNumbers, DEFAULT_NS_COEFFS,
};
use crate::error::{OptaxError, Result};
use crate::hyper::Hyper;
use crate::setters::setters;
use crate::state::{safe_increment, State};
use crate::transform::{Extra, Transform};
use crate::tree::{self, Tree};

/// Newton–Schulz coefficients: one `(a, b, c)` row used for every step, or a table of rows,
/// one per step (Optax's `(3,)` or `(n, 3)` `ns_coeffs`).
#[derive(Clone, Debug, PartialEq)]
pub enum NsCoeffs {
    /// The same coefficients every step (`ns_steps` steps).
    Row([f64; 3]),
    /// One row per step (`ns_steps` is then only an upper bound on the rows).
    Table(Vec<[f64; 3]>),
}

impl From<[f64; 3]> for NsCoeffs {
    fn from(c: [f64; 3]) -> Self {
        NsCoeffs::Row(c)
    }
}

impl From<Vec<[f64; 3]>> for NsCoeffs {
    fn from(c: Vec<[f64; 3]>) -> Self {
        NsCoeffs::Table(c)
    }
}

impl NsCoeffs {
    /// The coefficients Optax keeps in the state, cast to float32: the row, or the last
    /// `ns_steps` rows of the table (an error when the table has more rows than `ns_steps`,
    /// as Optax's `init`).
    pub(crate) fn resolved(&self, ns_steps: i64) -> Result<(Vec<[f32; 3]>, bool)> {
        let f = |r: &[f64; 3]| [r[0] as f32, r[1] as f32, r[2] as f32];
        match self {
            NsCoeffs::Row(r) => Ok((vec![f(r)], false)),
            NsCoeffs::Table(rows) => {
                if rows.is_empty() {
                    return Err(OptaxError::invalid(
                        "ns_coeffs",
                        "must have shape (3,) or (n, 3), got (0, 3)",
                    ));
                }
                if rows.len() as i64 > ns_steps {
                    return Err(OptaxError::invalid(
                        "ns_coeffs",
                        format!("Not enough coeffs to perform {ns_steps} steps"),
                    ));
                }
                Ok((rows.iter().map(f).collect(), true))
            }
        }
    }
}

/// Muon's scaling (`optax.contrib.scale_by_muon`). State `MuonState(count, mu, ns_coeffs)`;
/// `ns_coeffs` is kept as a flat float32 tensor (`3·n` values for a table of `n` rows).
///
/// Optax's signature: `scale_by_muon(ns_coeffs=(3.4445, -4.7750, 2.0315), ns_steps=5,
/// beta=0.95, eps=1e-8, mu_dtype=None, *, nesterov=True, adaptive=False,
/// preconditioning='frobenius', weight_dimension_numbers=None)`.
///
/// `weight_dimension_numbers: None` treats every leaf as a 2D matrix (a leaf of another rank
/// is an error); Optax accepts `None` only for a bare array, so on a tree this is the
/// behaviour a tree of default `MuonDimensionNumbers` would give.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use optax_core::contrib::scale_by_muon;
/// use optax_core::{Extra, Transform, Tree};
///
/// let device = Device::flex();
/// let g = Tree::builder()
///     .leaf("a", Tensor::<2>::from_floats([[1.0, 0.0], [0.0, 2.0]], &device))
///     .leaf("b", Tensor::<2>::ones([2, 3], &device))
///     .leaf("c", Tensor::<2>::ones([3, 1], &device))
///     .build()
///     .unwrap();
/// let t = scale_by_muon();
/// let state = t.init(&g).unwrap();
/// let (u, _) = t.update(g, &state, None, &Extra::none()).unwrap();
/// assert_eq!(u.shapes()[1], vec![2, 3]);
/// ```
#[derive(Clone, Debug)]
pub struct ScaleByMuon {
    pub(crate) ns_coeffs: NsCoeffs,
    pub(crate) ns_steps: i64,
    pub(crate) beta: Hyper,
    pub(crate) eps: f64,
    pub(crate) mu_dtype: Option<DType>,
    pub(crate) nesterov: bool,
    pub(crate) adaptive: bool,
    pub(crate) preconditioning: Preconditioning,
    pub(crate) weight_dimension_numbers: Option<WeightDimensionNumbers>,
}

/// `optax.contrib.scale_by_muon()` with Optax's defaults.
pub fn scale_by_muon() -> ScaleByMuon {
    ScaleByMuon {
        ns_coeffs: NsCoeffs::Row(DEFAULT_NS_COEFFS),
        ns_steps: 5,
        beta: 0.95.into(),
        eps: 1e-8,
        mu_dtype: None,
        nesterov: true,
        adaptive: false,
        preconditioning: Preconditioning::Frobenius,
        weight_dimension_numbers: None,
    }
}

impl ScaleByMuon {
    setters! {
        /// Newton–Schulz coefficients (a row or a table).
        ns_coeffs: impl Into<NsCoeffs>;

        /// Number of Newton–Schulz steps (ignored for a table, beyond bounding its rows).
        ns_steps: i64;

        /// Decay of the momentum.
        beta: impl Into<Hyper>;

        /// Added to the norm before the division.
        eps: f64;

        /// Storage dtype of the momentum.
        mu_dtype: Option<DType>;

        /// Nesterov momentum.
        nesterov: bool;

        /// Scale by the dual norm `⟨m̂, NS(m̂)⟩`.
        adaptive: bool;

        /// The preconditioning before the iteration.
        preconditioning: Preconditioning;

        /// Which axes of each leaf form the matrix.
        weight_dimension_numbers: Option<WeightDimensionNumbers>;
    }
}

pub(crate) struct MuonState;

impl MuonState {
    pub(crate) const KIND: &'static str = "MuonState";

    fn record(count: i64, mu: Tree, ns_coeffs: Tensor<1>) -> State {
        State::record(
            Self::KIND,
            vec![
                ("count", State::Int(count)),
                ("mu", State::Tree(mu)),
                ("ns_coeffs", State::Tensor(ns_coeffs)),
            ],
        )
    }
}

impl Transform for ScaleByMuon {
    fn init(&self, params: &Tree) -> Result<State> {
        self.validate()?;
        let (coeffs, _) = self.ns_coeffs.resolved(self.ns_steps)?;
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&tree::zeros_like(params), d)?,
            None => tree::zeros_like(params),
        };
        let flat: Vec<f32> = coeffs.iter().flatten().copied().collect();
        let n = flat.len();
        let device = params.device().unwrap_or_default();
        let t = Tensor::<1>::from_data(TensorData::new(flat, [n]), &device);
        Ok(MuonState::record(0, mu, t))
    }

    fn update(
        &self,
        updates: Tree,
        state: &State,
        _params: Option<&Tree>,
        _extra: &Extra,
    ) -> Result<(Tree, State)> {
        state.expect_record(MuonState::KIND)?;
        let count = state.field("count")?.as_int()?;
        let mu = state.field("mu")?.tree_like(&updates)?;
        let coeffs_t = state.field("ns_coeffs")?.as_tensor()?.clone();
        let (_, table) = self.ns_coeffs.resolved(self.ns_steps)?;
        let host: Vec<f32> = coeffs_t
            .to_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .map_err(|e| OptaxError::state("MuonState.ns_coeffs", format!("{e:?}")))?;
        if host.is_empty() || host.len() % 3 != 0 || (!table && host.len() != 3) {
            return Err(OptaxError::state(
                "MuonState.ns_coeffs",
                format!(
                    "{} values do not form (3,) or (n, 3) coefficients",
                    host.len()
                ),
            ));
        }
        let rows: Vec<[f32; 3]> = host.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        let steps = steps_of(&rows, table, self.ns_steps.max(0) as usize);
        let beta = self.beta.scalar("beta")?;

        let mu = tree::update_moment(&updates, mu, &beta, 1)?;
        let count_inc = safe_increment(count);
        let mu_hat = if self.nesterov {
            let m = tree::bias_correction(&mu, &beta, safe_increment(count_inc));
            let g = tree::bias_correction(&updates, &beta, count_inc);
            let keep = 1.0 - beta.clone();
            m.zip_map(&g, |m, g| beta.mul_tensor(m) + keep.mul_tensor(g))?
        } else {
            tree::bias_correction(&mu, &beta, count_inc)
        };
        let mut out = Vec::with_capacity(mu_hat.len());
        for (path, shape, leaf) in mu_hat.iter() {
            let dims = match &self.weight_dimension_numbers {
                None => None,
                Some(w) => match w.lookup(path)? {
                    Some(d) => Some(d),
                    None => {
                        return Err(OptaxError::input(
                            "scale_by_muon",
                            format!("leaf `{path}` has no dimension numbers"),
                        ))
                    }
                },
            };
            let o = orthogonalize(
                leaf.clone(),
                shape,
                dims,
                &steps,
                self.preconditioning,
                self.eps,
            )
            .map_err(|e| match e {
                OptaxError::InvalidInput { reason, .. } => {
                    OptaxError::input("scale_by_muon", format!("leaf `{path}`: {reason}"))
                }
                e => e,
            })?;
            out.push(o);
        }
        let mut updates = Tree::from_flat(mu_hat.def().clone(), out)?;
        if self.adaptive {
            updates = mu_hat.zip_map(&updates, |m, u| {
                let n = u.dims()[0];
                (m * u.clone()).sum().expand([n]) * u
            })?;
        }
        let mu = match self.mu_dtype {
            Some(d) => tree::cast(&mu, d)?,
            None => mu,
        };
        Ok((updates, MuonState::record(count_inc, mu, coeffs_t)))
    }

    fn validate(&self) -> Result<()> {
        crate::transforms::check_decay(&self.beta, "beta")?;
        if !(self.eps >= 0.0 && self.eps.is_finite()) {
            return Err(OptaxError::invalid("eps", "must be finite and >= 0"));
        }
        if self.ns_steps < 0 {
            return Err(OptaxError::invalid("ns_steps", "must be >= 0"));
        }
        self.ns_coeffs.resolved(self.ns_steps).map(|_| ())
    }
}
