//! `freeze` and `selective_transform`: keep some parameters fixed.

use crate::combine::partition::MustUse;
use crate::combine::{masked, partition, Labels, Mask, Masked, Partition};
use crate::transform::{GradientTransformation, IntoTransformation};
use crate::transforms::set_to_zero;

/// Zeroes the updates of the leaves where `mask` is true (`optax.freeze`).
pub fn freeze(mask: impl Into<Mask>) -> Masked {
    masked(set_to_zero(), mask)
}

/// Applies `optimizer` to the leaves where `freeze_mask` is false and zeroes the others; frozen
/// leaves get no optimizer state (`optax.selective_transform`). As with [`freeze`], a
/// [`Mask::by_path`] that freezes no leaf is an error from `init`.
pub fn selective_transform(
    optimizer: impl IntoTransformation,
    freeze_mask: impl Into<Mask>,
) -> Partition {
    let freeze_mask: Mask = freeze_mask.into();
    let must_use = match &freeze_mask {
        Mask::Path { name, .. } => Some(MustUse {
            arg: "mask",
            source: name.clone(),
            labels: vec![label(true).to_string()],
        }),
        _ => None,
    };
    let labels = match freeze_mask {
        Mask::All(b) => Labels::by(move |_, _| label(b).to_string()),
        Mask::Fn(f) => Labels::by(move |p, s| label(f(p, s)).to_string()),
        Mask::Map(m) => Labels::Map(
            m.into_iter()
                .map(|(k, b)| (k, label(b).to_string()))
                .collect(),
        ),
        Mask::Path { f, .. } => Labels::by(move |p, _| label(f(p)).to_string()),
    };
    let partition = partition(
        vec![
            ("train".to_string(), optimizer.into_transformation()),
            (
                "freeze".to_string(),
                GradientTransformation::new(set_to_zero()),
            ),
        ],
        labels,
    );
    match must_use {
        Some(m) => partition.with_must_use(m),
        None => partition,
    }
}

fn label(frozen: bool) -> &'static str {
    if frozen {
        "freeze"
    } else {
        "train"
    }
}
