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

const FRAME: &str = include_str!("../../../../shaders/multi_tensor.wgsl");
const ADAM: &str = include_str!("../../../../shaders/adam.wgsl");
const RMSPROP: &str = include_str!("../../../../shaders/rmsprop.wgsl");
const SGD: &str = include_str!("../../../../shaders/sgd.wgsl");
const GLOBAL_NORM: &str = include_str!("../../../../shaders/global_norm.wgsl");
const GLOBAL_NORM_FINISH: &str = include_str!("../../../../shaders/global_norm_finish.wgsl");

/// The optimizer a kernel applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Adam / AdamW / NAdam(W); states `mu, nu`.
    Adam,
    /// RMSProp; states `mu` (centered), `nu`, `trace` (momentum).
    RmsProp,
    /// SGD with momentum; state `trace`.
    Sgd,
}

impl Rule {
    fn source(self) -> &'static str {
        match self {
            Rule::Adam => ADAM,
            Rule::RmsProp => RMSPROP,
            Rule::Sgd => SGD,
        }
    }

    /// The states of the rule, in the order of its `s` array.
    pub(crate) fn states(self) -> &'static [&'static str] {
        match self {
            Rule::Adam => &["m", "v"],
            Rule::RmsProp => &["mu", "nu", "tr"],
            Rule::Sgd => &["tr"],
        }
    }
}

/// Which tensor a step writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Written {
    /// `update` + `apply_updates`: the parameters (the gradients are read).
    Params,
    /// Optax's `update`: the updates, over the gradients (the parameters are read, when
    /// `reads_params`).
    Updates { reads_params: bool },
}

/// The kernel of `rule` for a group of `leaves` leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StepKernel {
    pub rule: Rule,
    /// Which of the rule's states are present (absent ones read as zeros, not stored).
    pub present: [bool; 3],
    pub leaves: usize,
    pub written: Written,
    pub clip: bool,
}

impl StepKernel {
    /// Buffers per leaf, in binding order: the written tensor, the read one (if any), the
    /// present states.
    pub(crate) fn per_leaf(&self) -> usize {
        let read = match self.written {
            Written::Params | Written::Updates { reads_params: true } => 1,
            Written::Updates {
                reads_params: false,
            } => 0,
        };
        1 + read + self.present.iter().filter(|&&b| b).count()
    }
}

/// A storage buffer binding. Read-only operands are declared `read_write` too: Burn's memory
/// pool places several tensors in one wgpu buffer, and a dispatch may not use one buffer both
/// read-only and read-write.
fn storage(binding: usize, name: &str) -> String {
    format!("@group(0) @binding({binding}) var<storage, read_write> {name}: array<f32>;\n")
}

impl KernelSource for StepKernel {
    fn source(&self) -> SourceTemplate {
        let states = self.rule.states();
        let mut bindings = String::new();
        let mut next = 1;
        let mut bind = |name: &str| {
            bindings += &storage(next, name);
            next += 1;
        };
        if self.clip {
            bind("norm");
        }
        let mut cases = String::new();
        for k in 0..self.leaves {
            let (p, g) = (format!("p{k}"), format!("g{k}"));
            let p_value = match self.written {
                Written::Params => {
                    bind(&p);
                    bind(&g);
                    format!("{p}[i]")
                }
                Written::Updates { reads_params } => {
                    bind(&g);
                    if reads_params {
                        bind(&p);
                        format!("{p}[i]")
                    } else {
                        "0.0".to_string()
                    }
                }
            };
            let mut load = String::new();
            let mut store = String::new();
            for (j, state) in states.iter().enumerate() {
                if self.present[j] {
                    let name = format!("{state}{k}");
                    bind(&name);
                    load += &format!("s[{j}] = {name}[i]; ");
                    store += &format!("{name}[i] = s[{j}]; ");
                }
            }
            let write = match self.written {
                // p_t = p_{t-1} + u_t
                Written::Params => format!("{p}[i] = {p}[i] + u;"),
                Written::Updates { .. } => format!("{g}[i] = u;"),
            };
            cases += &format!(
                "        case {k}u: {{\n            for (var j = 0u; j < PER_THREAD; j = j + 1u) {{\n                \
                 let i = base + j * WG + lid;\n                if (i < len) {{\n                    \
                 var s: array<f32, STATES>;\n                    {load}let u = update(clipped({g}[i]), {p_value}, &s, decayed);\n                    \
                 {store}{write}\n                }}\n            }}\n        }}\n"
            );
        }
        let clip = if self.clip {
            // clip_by_global_norm: g if ‖g‖ < max_norm, else (g / ‖g‖)·max_norm (a NaN norm clips)
            "let n = norm[0];\n    let max_norm = hyper(MAX_NORM);\n    \
             if (n < max_norm) { return g; }\n    return (g / n) * max_norm;"
        } else {
            "return g;"
        };
        SourceTemplate::new(FRAME)
            .register("rule", self.rule.source())
            .register("bindings", bindings)
            .register("cases", cases)
            .register("clip", clip)
            .register("leaves", self.leaves.to_string())
            .register("states", states.len().to_string())
            .register("workgroup_size", WORKGROUP.to_string())
            .register("per_thread", PER_THREAD.to_string())
            .register("block", BLOCK.to_string())
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(*self)
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
