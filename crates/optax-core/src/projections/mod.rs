//! Euclidean projections onto convex sets (`optax.projections`), on whole trees: the tree is
//! one vector, as in Optax. Each returns `argmin_{y ∈ C} ‖x - y‖²` for its set `C`.

mod affine;
mod boxes;
mod l2;
mod simplex;

pub use affine::{projection_halfspace, projection_hyperplane, projection_vector};
pub use boxes::{
    projection_box, projection_box_trees, projection_hypercube, projection_linf_ball,
    projection_non_negative,
};
pub use l2::{projection_l2_ball, projection_l2_sphere};
pub use simplex::{projection_l1_ball, projection_l1_sphere, projection_simplex};
