//! The CPU roofline of an AdamW step, measured in the same run as the kernels: the simplest
//! fused loop there is — AdamW in place over four plain `Vec<f32>`s, zipped iterators, split
//! into chunks over the same rayon pool. It moves the same 28 bytes per parameter as the
//! fused kernel and does the same arithmetic, with no tensors, leaves, streams or clipping:
//! how fast this machine can run one AdamW pass at all.

use rayon::prelude::*;

use crate::hyper::AdamHyper;

/// The zipped chunks of `p, g, m, v`.
type Chunks<'a, 'b> = (((&'a mut [f32], &'b [f32]), &'a mut [f32]), &'a mut [f32]);

/// One AdamW step (`nesterov` ignored; decay applied when `weight_decay` is set) over flat
/// slices, in place, on the rayon pool.
pub fn adamw_slices(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], hyper: &AdamHyper) {
    let c = hyper.consts();
    let chunk = crate::engine::CHUNK;
    let step = |(((p, g), m), v): Chunks<'_, '_>| {
        for (((p, g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            *m = *g * c.k1 + *m * c.b1;
            *v = (*g * *g) * c.k2 + *v * c.b2;
            let u = (*m / c.c1) / ((*v / c.c2 + c.eps_root).sqrt() + c.eps);
            *p += (u + *p * c.wd) * c.neg_lr;
        }
    };
    if p.len() < crate::engine::PARALLEL_MIN {
        step((((p, g), m), v));
    } else {
        p.par_chunks_mut(chunk)
            .zip(g.par_chunks(chunk))
            .zip(m.par_chunks_mut(chunk))
            .zip(v.par_chunks_mut(chunk))
            .for_each(step);
    }
}
