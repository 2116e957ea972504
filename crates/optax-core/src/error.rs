//! Typed errors. Every way a user can get an input wrong maps to a variant here; the library
//! never panics on bad input, and a failed `update` leaves the caller's state untouched.

use thiserror::Error;

/// The error type of every fallible operation in this crate.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum OptaxError {
    /// A leaf of the reference tree is absent from the tree that was passed.
    #[error("tree mismatch: leaf `{path}` is missing")]
    MissingLeaf {
        /// Path of the missing leaf.
        path: String,
    },
    /// The tree that was passed has a leaf the reference tree does not have.
    #[error("tree mismatch: unexpected leaf `{path}`")]
    ExtraLeaf {
        /// Path of the unexpected leaf.
        path: String,
    },
    /// Two trees have a leaf at the same path with different shapes.
    #[error("tree mismatch: leaf `{path}` has shape {found:?}, expected {expected:?}")]
    ShapeMismatch {
        /// Path of the leaf.
        path: String,
        /// Shape of the reference tree's leaf.
        expected: Vec<usize>,
        /// Shape of the leaf that was passed.
        found: Vec<usize>,
    },
    /// A tree was built with the same path twice.
    #[error("duplicate leaf path `{path}`")]
    DuplicatePath {
        /// The repeated path.
        path: String,
    },
    /// A tensor's element count does not match the shape declared for it.
    #[error("leaf `{path}`: {numel} elements do not fit shape {shape:?}")]
    BadLeaf {
        /// Path of the leaf.
        path: String,
        /// Declared shape.
        shape: Vec<usize>,
        /// Number of elements in the tensor.
        numel: usize,
    },
    /// A tree was given a different number of shapes or leaves than of paths.
    #[error("tree structure: {found} {what} for {expected} paths")]
    CountMismatch {
        /// What was counted: `"shapes"` or `"leaves"`.
        what: String,
        /// Number of paths.
        expected: usize,
        /// Number of shapes or leaves given.
        found: usize,
    },
    /// A transformation that reads the parameters was called without them.
    #[error("{transform} needs the parameters: call update with Some(params)")]
    ParamsRequired {
        /// Optax name of the transformation.
        transform: String,
    },
    /// A required extra argument (e.g. the loss `value` of `scale_by_polyak`) was not given.
    #[error("{transform} needs the extra argument `{arg}`")]
    ExtraArgRequired {
        /// Optax name of the transformation.
        transform: String,
        /// Name of the missing argument.
        arg: String,
    },
    /// A hyperparameter is out of its valid range.
    #[error("{name}: {reason}")]
    InvalidHyperparameter {
        /// Name of the hyperparameter (with its place in a spec, when built from one).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A state does not have the structure the transformation expects (wrong optimizer, or a
    /// state saved for other parameters).
    #[error("state mismatch at `{at}`: {reason}")]
    StateMismatch {
        /// Where in the state the mismatch is.
        at: String,
        /// What was expected.
        reason: String,
    },
    /// A saved state could not be read.
    #[error("corrupt saved state: {0}")]
    CorruptState(String),
    /// A spec could not be turned into a transformation.
    #[error("{at}: {reason}")]
    Spec {
        /// Place in the spec, e.g. `chain[1].adamw.b1`.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// `tree.get` found no field of that name in a state.
    #[error("no field `{0}` in the state")]
    KeyNotFound(String),
    /// `tree.get` found several fields of that name in a state.
    #[error("field `{name}` is ambiguous: found {count} times in the state")]
    AmbiguousKey {
        /// Field name.
        name: String,
        /// Number of matches.
        count: usize,
    },
    /// A module and a tree or gradients do not correspond.
    #[error("module mismatch: {0}")]
    Module(String),
    /// No WebGPU adapter was found for the wgpu device.
    #[error("no WebGPU adapter found: install a GPU driver with Vulkan support, or a software one (Debian/Ubuntu: `apt-get install mesa-vulkan-drivers`), or use the CPU device")]
    NoAdapter,
    /// A loss, a second-order helper or a gradient estimator was given inputs it cannot take
    /// (shapes that do not match, an axis out of range, a negative scale, zero samples).
    #[error("{function}: {reason}")]
    InvalidInput {
        /// Optax name of the function, e.g. `softmax_cross_entropy`.
        function: String,
        /// What is wrong with the input.
        reason: String,
    },
    /// An I/O error while saving or loading.
    #[error("i/o error: {0}")]
    Io(String),
}

/// Result with [`OptaxError`].
pub type Result<T, E = OptaxError> = std::result::Result<T, E>;

impl OptaxError {
    /// Shorthand for [`OptaxError::InvalidHyperparameter`].
    pub fn invalid(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidHyperparameter {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`OptaxError::StateMismatch`].
    pub fn state(at: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::StateMismatch {
            at: at.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`OptaxError::InvalidInput`].
    pub fn input(function: &str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            function: function.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`OptaxError::ParamsRequired`].
    pub fn params_required(transform: &str) -> Self {
        Self::ParamsRequired {
            transform: transform.to_string(),
        }
    }
}
