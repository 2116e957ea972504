//! Criterion benches of one AdamW step on flex: the fused kernel, the same-run roofline (a
//! plain fused loop over slices), optax-core's reference chain, and the clip + AdamW fusion.
//! `cargo bench -p optax-kernels --bench adamw`; the full table is the `optax-bench` example.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use burn::tensor::{Device, Tensor, TensorData};
use optax_core::prelude::*;
use optax_core::{adamw, Tree};
use optax_kernels::{AdamHyper, Target};

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            ((x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        })
        .collect()
}

fn hyper(count: i64) -> AdamHyper {
    AdamHyper {
        weight_decay: Some(1e-4),
        count,
        ..AdamHyper::new(1e-3)
    }
}

fn bench(c: &mut Criterion) {
    let device = Device::flex();
    let mut group = c.benchmark_group("adamw_step");
    group.sample_size(20);
    for &n in &[1usize << 10, 1 << 16, 1 << 20, 1 << 24] {
        group.throughput(Throughput::Bytes(28 * n as u64));
        let leaf = |seed| Tensor::<1>::from_data(TensorData::new(values(n, seed), [n]), &device);

        // Roofline: four Vec<f32>, zipped, on the same pool.
        let (mut p, g) = (values(n, 1), values(n, 2));
        let (mut m, mut v) = (vec![0.0f32; n], vec![0.0f32; n]);
        group.bench_with_input(BenchmarkId::new("roofline", n), &n, |b, _| {
            b.iter(|| optax_kernels::roofline::adamw_slices(&mut p, &g, &mut m, &mut v, &hyper(0)))
        });

        let mut params = vec![leaf(1)];
        let grads = vec![leaf(2)];
        let mut mu = vec![params[0].zeros_like()];
        let mut nu = vec![params[0].zeros_like()];
        let mut count = 0;
        group.bench_with_input(BenchmarkId::new("fused", n), &n, |b, _| {
            b.iter(|| {
                count += 1;
                let target = Target::Params {
                    params: &mut params,
                    grads: &grads,
                };
                optax_kernels::adam(target, &mut mu, &mut nu, &hyper(count), None, None).unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("clip+fused", n), &n, |b, _| {
            b.iter(|| {
                count += 1;
                let target = Target::Params {
                    params: &mut params,
                    grads: &grads,
                };
                optax_kernels::adam(target, &mut mu, &mut nu, &hyper(count), None, Some(1.0))
                    .unwrap()
            })
        });

        if n <= 1 << 20 {
            let opt = adamw(1e-3).fused(false);
            let mut tree = Tree::builder().flat("w", vec![n], leaf(1)).build().unwrap();
            let g = Tree::builder().flat("w", vec![n], leaf(2)).build().unwrap();
            let mut state = opt.init(&tree).unwrap();
            group.bench_with_input(BenchmarkId::new("reference", n), &n, |b, _| {
                b.iter(|| {
                    let u = opt
                        .update_in_place(g.clone(), &mut state, Some(&tree), &Extra::none())
                        .unwrap();
                    tree = apply_updates(&tree, &u).unwrap();
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
