//! Input checks shared by the losses. A shape, axis or index a loss cannot take is an
//! [`OptaxError::InvalidInput`] naming the loss and the argument, returned before any tensor
//! operation runs, never a panic inside Burn.

use burn::tensor::{Bool, Tensor};

use crate::{OptaxError, Result};

/// Optax's `axis` (negative counts from the end, `-1` is the last) as an index into a rank-`rank`
/// tensor.
pub(crate) fn axis(function: &str, axis: isize, rank: usize) -> Result<usize> {
    let r = rank as isize;
    let index = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&index) {
        Ok(index as usize)
    } else {
        Err(OptaxError::input(
            function,
            format!("axis {axis} is out of range for rank {rank}"),
        ))
    }
}

/// `b` must have the shape of `a` exactly (Optax's `chex.assert_equal_shape`).
pub(crate) fn same_shape(
    function: &str,
    (a_name, a): (&str, &[usize]),
    (b_name, b): (&str, &[usize]),
) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(OptaxError::input(
            function,
            format!("{b_name} has shape {b:?}, {a_name} has shape {a:?}; they must be equal"),
        ))
    }
}

/// The shape `a` and `b` broadcast to (same rank; each dimension equal, or 1 in one of them), as
/// Burn broadcasts element-wise operations.
pub(crate) fn broadcast(
    function: &str,
    (a_name, a): (&str, &[usize]),
    (b_name, b): (&str, &[usize]),
) -> Result<Vec<usize>> {
    let bad = || {
        OptaxError::input(
            function,
            format!("{b_name} has shape {b:?}, which does not broadcast with {a_name}'s {a:?}"),
        )
    };
    if a.len() != b.len() {
        return Err(bad());
    }
    a.iter()
        .zip(b)
        .map(|(&x, &y)| match (x, y) {
            _ if x == y => Ok(x),
            (1, y) => Ok(y),
            (x, 1) => Ok(x),
            _ => Err(bad()),
        })
        .collect()
}

/// Optax's `where` mask, checked against the shape `dims` it applies to and expanded to it (a
/// mask may have size 1 along any axis, e.g. along the class axis to mask whole examples).
pub(crate) fn where_mask<const D: usize>(
    function: &str,
    where_: Option<Tensor<D, Bool>>,
    dims: [usize; D],
) -> Result<Option<Tensor<D, Bool>>> {
    let Some(mask) = where_ else {
        return Ok(None);
    };
    let full = broadcast(function, ("the input", &dims), ("where", &mask.dims()))?;
    if full != dims {
        return Err(OptaxError::input(
            function,
            format!(
                "where has shape {:?}, which does not broadcast to the input's {dims:?}",
                mask.dims()
            ),
        ));
    }
    Ok(Some(if mask.dims() == dims {
        mask
    } else {
        mask.expand(dims)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_counts_from_the_end_and_rejects_out_of_range() {
        assert_eq!(axis("f", -1, 3).unwrap(), 2);
        assert_eq!(axis("f", 0, 3).unwrap(), 0);
        assert_eq!(axis("f", -3, 3).unwrap(), 0);
        for bad in [3, -4] {
            let e = axis("f", bad, 3).unwrap_err();
            assert!(matches!(e, OptaxError::InvalidInput { .. }), "{e}");
        }
    }

    #[test]
    fn shapes_must_match_or_broadcast() {
        assert!(same_shape("f", ("a", &[2, 3]), ("b", &[2, 3])).is_ok());
        let e = same_shape("f", ("a", &[2, 3]), ("b", &[3, 2])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f: b has shape [3, 2], a has shape [2, 3]; they must be equal"
        );
        assert_eq!(
            broadcast("f", ("a", &[2, 1]), ("b", &[1, 3])).unwrap(),
            vec![2, 3]
        );
        assert!(broadcast("f", ("a", &[2, 3]), ("b", &[2, 2])).is_err());
        assert!(broadcast("f", ("a", &[2, 3]), ("b", &[3])).is_err());
    }
}
