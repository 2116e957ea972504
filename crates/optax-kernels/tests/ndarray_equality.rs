//! The equality cases of `equality.rs` (`common/equality_cases.rs`) on the ndarray device,
//! bit for bit against optax-core's reference on ndarray, and what is particular to ndarray's
//! storage: buffers borrowed zero-copy from a file, arrays in another layout, and tensors of
//! two CPU devices in one step. Needs the `ndarray` feature:
//!
//! ```text
//! cargo test -p optax-kernels --features ndarray --test ndarray_equality
//! ```

// `Device::ndarray()`: burn-ndarray is deprecated upstream; the `ndarray` feature opts in.
#![allow(deprecated)]

use burn::backend::NdArray;
use burn::tensor::{Bytes, DType, Device, Tensor, TensorData};
use optax_kernels::{AdamHyper, FusedError, StepReport, Target};

fn dev() -> Device {
    Device::ndarray()
}

#[path = "common/equality_cases.rs"]
mod cases;

fn values(n: usize, k: f32) -> Vec<f32> {
    (0..n).map(|i| ((i as f32 + 1.0) * k).sin()).collect()
}

fn vec_of(t: &Tensor<1>) -> Vec<f32> {
    t.to_data().try_to_vec::<f32>().unwrap()
}

/// One AdamW step on `params` (written in place or replaced) with `grads` (read) and zero
/// moments of the ndarray device.
fn adamw_step(params: &mut [Tensor<1>], grads: Tensor<1>) -> Result<StepReport, FusedError> {
    let n = params[0].dims()[0];
    let mut mu = vec![Tensor::<1>::zeros([n], &dev())];
    let mut nu = vec![Tensor::<1>::zeros([n], &dev())];
    let h = AdamHyper {
        weight_decay: Some(0.1),
        ..AdamHyper::new(1e-2)
    };
    let target = Target::Params {
        params,
        grads: &[grads],
    };
    optax_kernels::adam(target, &mut mu, &mut nu, &h, None, None)
}

/// The new parameters of [`adamw_step`] and its (in place, fresh) counts.
fn stepped(params: Tensor<1>, grads: Tensor<1>) -> (Vec<f32>, (usize, usize)) {
    let mut p = [params];
    let r = adamw_step(&mut p, grads).unwrap();
    (vec_of(&p[0]), (r.in_place, r.fresh))
}

/// A tensor whose float32 storage is borrowed from a file, as a zero-copy load gives it.
fn borrowed(vals: &[f32], name: &str) -> (Tensor<1>, std::path::PathBuf) {
    let path =
        std::env::temp_dir().join(format!("optax-kernels-{}-{name}.f32", std::process::id()));
    let bytes: Vec<u8> = vals.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(&path, &bytes).unwrap();
    let data = TensorData::from_bytes(
        Bytes::from_file(&path, bytes.len() as u64, 0),
        [vals.len()],
        DType::F32,
    );
    let t = Tensor::<1>::from_data(data, &dev());
    let prim = t.clone().try_into_primitive::<NdArray>().unwrap();
    assert!(prim.is_borrowed(), "a borrowed ndarray storage");
    (t, path)
}

#[test]
fn borrowed_storage_is_read_and_never_written() {
    let (p0, g0) = (values(1000, 0.37), values(1000, 0.11));
    let (p, p_file) = borrowed(&p0, "p");
    let (g, g_file) = borrowed(&g0, "g");
    let held = p.clone();
    let (new_p, counts) = stepped(p, g);
    // The borrowed parameters get a fresh tensor (the moments are written in place).
    assert_eq!(counts, (2, 1));
    assert_eq!(vec_of(&held), p0, "a borrowed tensor was written");
    let expected = stepped(
        Tensor::from_floats(p0.as_slice(), &dev()),
        Tensor::from_floats(g0.as_slice(), &dev()),
    );
    assert_eq!(new_p, expected.0);
    assert_eq!(expected.1, (3, 0));
    std::fs::remove_file(p_file).unwrap();
    std::fs::remove_file(g_file).unwrap();
}

#[test]
fn reversed_tensors_are_made_contiguous() {
    // `flip` is a view with a negative stride over the same array: the step reads and writes
    // a standard-layout copy, so the flipped tensor's source is not touched.
    let (p0, g0) = (values(1000, 0.37), values(1000, 0.11));
    let source = Tensor::<1>::from_floats(p0.as_slice(), &dev());
    let flipped = source.clone().flip([0]);
    let (new_p, counts) = stepped(
        flipped,
        Tensor::<1>::from_floats(g0.as_slice(), &dev()).flip([0]),
    );
    assert_eq!(counts, (3, 0), "the copy is the step's own");
    assert_eq!(
        vec_of(&source),
        p0,
        "the flipped tensor's source was written"
    );
    let rev = |v: &[f32]| v.iter().rev().copied().collect::<Vec<f32>>();
    let expected = stepped(
        Tensor::from_floats(rev(&p0).as_slice(), &dev()),
        Tensor::from_floats(rev(&g0).as_slice(), &dev()),
    );
    assert_eq!(new_p, expected.0);
}

#[test]
fn flex_and_ndarray_tensors_do_not_mix() {
    let mut p = [Tensor::<1>::zeros([3], &dev())];
    let r = adamw_step(&mut p, Tensor::ones([3], &Device::flex()));
    match r {
        Err(FusedError::Unsupported(m)) => assert!(m.contains("Device::ndarray()"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(vec_of(&p[0]), vec![0.0; 3]);
    assert!(optax_kernels::is_ndarray(&p[0].device()));
}
