//! The WGSL of the fused kernels: the templates of `shaders/`, filled in for one group of
//! leaves (its storage buffers and one `case` per leaf: WGSL cannot index bindings at run time).

use burn::backend::wgpu::{KernelSource, SourceTemplate};
use cubecl::prelude::KernelId;

/// Threads per workgroup.
pub(crate) const WORKGROUP: u32 = 256;
/// Elements per thread in one block.
pub(crate) const PER_THREAD: u32 = 4;
/// Elements per block (one workgroup).
pub(crate) const BLOCK: u32 = WORKGROUP * PER_THREAD;

const ADAM: &str = include_str!("../../../../shaders/adam.wgsl");
const GLOBAL_NORM: &str = include_str!("../../../../shaders/global_norm.wgsl");
const GLOBAL_NORM_FINISH: &str = include_str!("../../../../shaders/global_norm_finish.wgsl");

/// Which tensor a step writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Written {
    /// `update` + `apply_updates`: the parameters (the gradients are read).
    Params,
    /// Optax's `update`: the updates, over the gradients (the parameters are read, when
    /// `reads_params`).
    Updates { reads_params: bool },
}

/// The Adam kernel for a group of `leaves` leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct AdamKernel {
    pub leaves: usize,
    pub written: Written,
    pub clip: bool,
}

impl AdamKernel {
    /// Bindings per leaf, in order; binding 0 is `info`, binding 1 the norm when clipping.
    pub(crate) fn per_leaf(written: Written) -> usize {
        match written {
            Written::Params | Written::Updates { reads_params: true } => 4,
            Written::Updates {
                reads_params: false,
            } => 3,
        }
    }
}

/// A storage buffer binding. Read-only operands are declared `read_write` too: Burn's memory
/// pool places several tensors in one wgpu buffer, and a dispatch may not use one buffer both
/// read-only and read-write.
fn storage(binding: usize, name: &str) -> String {
    format!("@group(0) @binding({binding}) var<storage, read_write> {name}: array<f32>;\n")
}

impl KernelSource for AdamKernel {
    fn source(&self) -> SourceTemplate {
        let mut bindings = String::new();
        let mut next = 1;
        if self.clip {
            bindings += &storage(next, "norm");
            next += 1;
        }
        let mut cases = String::new();
        for k in 0..self.leaves {
            let (p, g, m, v) = (
                format!("p{k}"),
                format!("g{k}"),
                format!("m{k}"),
                format!("v{k}"),
            );
            let body = match self.written {
                Written::Params => {
                    for name in [&p, &g, &m, &v] {
                        bindings += &storage(next, name);
                        next += 1;
                    }
                    // p_t = p_{t-1} + u_t
                    format!(
                        "let r = adam(clipped({g}[i]), {p}[i], {m}[i], {v}[i], decayed); \
                         {m}[i] = r.m; {v}[i] = r.v; {p}[i] = {p}[i] + r.u;"
                    )
                }
                Written::Updates { reads_params } => {
                    bindings += &storage(next, &g);
                    next += 1;
                    let p_value = if reads_params {
                        bindings += &storage(next, &p);
                        next += 1;
                        format!("{p}[i]")
                    } else {
                        "0.0".to_string()
                    };
                    for name in [&m, &v] {
                        bindings += &storage(next, name);
                        next += 1;
                    }
                    format!(
                        "let r = adam(clipped({g}[i]), {p_value}, {m}[i], {v}[i], decayed); \
                         {m}[i] = r.m; {v}[i] = r.v; {g}[i] = r.u;"
                    )
                }
            };
            cases += &format!("                case {k}u: {{ {body} }}\n");
        }
        let clip = if self.clip {
            // clip_by_global_norm: g if ‖g‖ < max_norm, else (g / ‖g‖)·max_norm (a NaN norm clips)
            "let n = norm[0];\n    let max_norm = hyper(MAX_NORM);\n    \
             if (n < max_norm) { return g; }\n    return (g / n) * max_norm;"
        } else {
            "return g;"
        };
        SourceTemplate::new(ADAM)
            .register("bindings", bindings)
            .register("cases", cases)
            .register("clip", clip)
            .register("leaves", self.leaves.to_string())
            .register("workgroup_size", WORKGROUP.to_string())
            .register("per_thread", PER_THREAD.to_string())
            .register("block", BLOCK.to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.leaves, self.written, self.clip))
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// The first pass of the global norm for a group of `leaves` gradients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct NormKernel {
    pub leaves: usize,
}

impl KernelSource for NormKernel {
    fn source(&self) -> SourceTemplate {
        let mut bindings = String::new();
        let mut cases = String::new();
        for k in 0..self.leaves {
            bindings += &storage(2 + k, &format!("g{k}"));
            cases += &format!("                case {k}u: {{ g = g{k}[i]; }}\n");
        }
        SourceTemplate::new(GLOBAL_NORM)
            .register("bindings", bindings)
            .register("cases", cases)
            .register("leaves", self.leaves.to_string())
            .register("workgroup_size", WORKGROUP.to_string())
            .register("per_thread", PER_THREAD.to_string())
            .register("block", BLOCK.to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(self.leaves)
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// The second pass of the global norm.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NormFinishKernel;

impl KernelSource for NormFinishKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(GLOBAL_NORM_FINISH).register("workgroup_size", WORKGROUP.to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>()
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}
