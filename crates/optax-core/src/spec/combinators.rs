//! Spec entries of the combinators: `chain` and `named_chain` (as a list or as
//! `{"transforms": [..]}`), `masked`, `partition` (and its deprecated name
//! `multi_transform`), `freeze` and `selective_transform`. Masks and labels are objects from
//! leaf path (or path prefix) to value.

use super::registry::TransformBuilder;
use super::Args;
use crate::combine;
use crate::error::Result;
use crate::transform::GradientTransformation;

pub(crate) const TRANSFORMS: &[(&str, TransformBuilder)] = &[
    ("chain", chain),
    ("named_chain", named_chain),
    ("masked", masked),
    ("partition", partition),
    ("multi_transform", partition),
    ("freeze", freeze),
    ("selective_transform", selective_transform),
];

fn chain(a: &mut Args) -> Result<GradientTransformation> {
    // `{"chain": [..]}` is the usual form; `{"chain": {"transforms": [..]}}` is accepted too.
    let at = a.at_arg("transforms");
    let items = a
        .list("transforms")?
        .ok_or_else(|| a.error("transforms", "missing required argument"))?;
    a.finish()?;
    super::registry::chain_list("chain", items, &at)
}

fn named_chain(a: &mut Args) -> Result<GradientTransformation> {
    let at = a.at_arg("transforms");
    let items = a
        .list("transforms")?
        .ok_or_else(|| a.error("transforms", "missing required argument"))?;
    a.finish()?;
    super::registry::chain_list("named_chain", items, &at)
}

fn masked(a: &mut Args) -> Result<GradientTransformation> {
    let inner = a.transform("inner")?;
    let mask = a
        .mask("mask")?
        .ok_or_else(|| a.error("mask", "missing required argument"))?;
    a.build(combine::masked(inner, mask))
}

fn partition(a: &mut Args) -> Result<GradientTransformation> {
    let transforms = a.transform_map("transforms")?;
    let labels = a.labels("param_labels")?;
    a.build(combine::partition(transforms, labels))
}

fn freeze(a: &mut Args) -> Result<GradientTransformation> {
    let mask = a
        .mask("mask")?
        .ok_or_else(|| a.error("mask", "missing required argument"))?;
    a.build(combine::freeze(mask))
}

fn selective_transform(a: &mut Args) -> Result<GradientTransformation> {
    let optimizer = a.transform("optimizer")?;
    let mask = a
        .mask("freeze_mask")?
        .ok_or_else(|| a.error("freeze_mask", "missing required argument"))?;
    a.build(combine::selective_transform(optimizer, mask))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::spec::testing::{assert_all_build, assert_errors_at};

    #[test]
    fn every_entry_builds_with_optax_argument_names() {
        assert_all_build(&[
            json!({"chain": [{"identity": {}}, {"scale": {"step_size": 2.0}}]}),
            json!({"chain": {"transforms": [{"identity": null}]}}),
            json!({"named_chain": [["a", {"identity": {}}], ["b", {"scale": {"step_size": 1.0}}]]}),
            json!({"named_chain": {"transforms": [["a", {"identity": {}}]]}}),
            json!({"masked": {"inner": {"scale": {"step_size": 2.0}}, "mask": {"w": true}}}),
            json!({"masked": {"inner": {"scale": {"step_size": 2.0}}, "mask": false}}),
            json!({"partition": {"transforms": {"a": {"sgd": {"learning_rate": 0.1}}, "b": {"set_to_zero": {}}},
                "param_labels": {"w": "a", "b": "b"}}}),
            json!({"multi_transform": {"transforms": {"a": {"identity": {}}}, "param_labels": {"w": "a"}}}),
            json!({"freeze": {"mask": {"w": true}}}),
            json!({"selective_transform": {"optimizer": {"sgd": {"learning_rate": 0.1}},
                "freeze_mask": {"w": false}}}),
        ]);
    }

    #[test]
    fn errors_name_the_argument() {
        assert_errors_at(&[
            (json!({"chain": {}}), "chain.transforms"),
            (json!({"chain": [{"nope": {}}]}), "chain[0].nope"),
            (json!({"named_chain": [["a"]]}), "named_chain[0]"),
            (
                json!({"masked": {"inner": {"identity": {}}}}),
                "masked.mask",
            ),
            (
                json!({"masked": {"inner": {"identity": {}}, "mask": {"w": 1}}}),
                "masked.mask",
            ),
            (
                json!({"partition": {"transforms": {}}}),
                "partition.param_labels",
            ),
            (
                json!({"selective_transform": {"optimizer": {"identity": {}}}}),
                "selective_transform.freeze_mask",
            ),
        ]);
    }
}
