//! The WGSL of the fused kernels: the templates of `shaders/`, filled in for one group of
//! leaves (its storage buffers and one `case` per leaf: WGSL cannot index bindings at run time).

use burn::backend::wgpu::{KernelSource, SourceTemplate};
use cubecl::prelude::KernelId;

/// Threads per workgroup.
pub(crate) const WORKGROUP: u32 = 256;
/// Elements per thread in one block: one `vec4<f32>`.
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
    /// The leaves bound as `vec4<f32>`s ([`vec4_mask`]).
    pub vec4: u16,
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

/// A storage buffer binding of float32s, or of `vec4<f32>`s when `vec4`. Read-only operands
/// are declared `read_write` too: Burn's memory pool places several tensors in one wgpu
/// buffer, and a dispatch may not use one buffer both read-only and read-write.
fn storage(binding: usize, name: &str, vec4: bool) -> String {
    let element = if vec4 { "vec4<f32>" } else { "f32" };
    format!("@group(0) @binding({binding}) var<storage, read_write> {name}: array<{element}>;\n")
}

/// Whether a leaf of `len` elements is bound as `vec4<f32>`s: its length is a multiple of 4.
pub(crate) fn is_vec4(len: usize) -> bool {
    len % 4 == 0
}

/// The leaves of a group bound as `vec4<f32>`s, one bit per leaf.
pub(crate) fn vec4_mask(lens: &[usize]) -> u16 {
    lens.iter()
        .enumerate()
        .filter(|&(_, &n)| is_vec4(n))
        .fold(0, |mask, (k, _)| mask | 1 << k)
}

/// The operands of one leaf in a step kernel: `(name of the binding, expression of the value
/// in the update)`.
struct LeafIo {
    /// The gradient's binding.
    g: String,
    /// The parameters' binding, when read.
    p: Option<String>,
    /// The present states: (index in `s`, binding).
    states: Vec<(usize, String)>,
    written: Written,
}

impl LeafIo {
    /// One `case` of the frame's switch when the leaf is bound as `vec4<f32>`s: this thread's
    /// four consecutive elements are one vector load and store per operand.
    fn vec4_case(&self, k: usize) -> String {
        let g = &self.g;
        let mut load = String::new();
        let mut store = String::new();
        for (j, name) in &self.states {
            load += &format!("s[{j}] = {name}[i]; ");
            store += &format!("{name}[i] = s[{j}]; ");
        }
        let p = match &self.p {
            Some(p) => format!("{p}[i]"),
            None => "vec4<f32>(0.0)".into(),
        };
        let write = self.write("u", "p");
        format!(
            "        case {k}u: {{
            let i = base / 4u + lid;
            if (i < len / 4u) {{
                var s: array<vec4<f32>, STATES>;
                {load}let p = {p};
                let u = update(clipped({g}[i]), p, &s, decayed);
                {store}{write}
            }}
        }}
"
        )
    }

    /// One `case` when the leaf is bound as float32s: this thread's four elements, a
    /// workgroup apart, are gathered into vectors, updated, and scattered back.
    fn scalar_case(&self, k: usize) -> String {
        let mut gather = format!("g[j] = {}[i]; ", self.g);
        let mut scatter = String::new();
        if let Some(p) = &self.p {
            gather += &format!("p[j] = {p}[i]; ");
        }
        for (j, name) in &self.states {
            gather += &format!("s[{j}][j] = {name}[i]; ");
            scatter += &format!("{name}[i] = s[{j}][j]; ");
        }
        let write = self.write("u[j]", "p[j]");
        format!(
            "        case {k}u: {{
            var g = vec4<f32>(0.0);
            var p = vec4<f32>(0.0);
            var s: array<vec4<f32>, STATES>;
            for (var j = 0u; j < PER_THREAD; j = j + 1u) {{
                let i = base + j * WG + lid;
                if (i < len) {{ {gather}}}
            }}
            let u = update(clipped(g), p, &s, decayed);
            for (var j = 0u; j < PER_THREAD; j = j + 1u) {{
                let i = base + j * WG + lid;
                if (i < len) {{ {scatter}{write} }}
            }}
        }}
"
        )
    }

    /// The store of the written tensor at `i`, given the expressions of the update `u` and of
    /// the loaded parameters `p`.
    fn write(&self, u: &str, p: &str) -> String {
        match (self.written, &self.p) {
            // p_t = p_{t-1} + u_t
            (Written::Params, Some(name)) => format!("{name}[i] = {p} + {u};"),
            _ => format!("{}[i] = {u};", self.g),
        }
    }
}

impl KernelSource for StepKernel {
    fn source(&self) -> SourceTemplate {
        let states = self.rule.states();
        let mut bindings = String::new();
        let mut next = 1;
        let mut bind = |name: &str, vec4: bool| {
            bindings += &storage(next, name, vec4);
            next += 1;
            name.to_string()
        };
        if self.clip {
            bind("norm", false);
        }
        let mut cases = String::new();
        for k in 0..self.leaves {
            let vec4 = self.vec4 & (1 << k) != 0;
            let (p, g) = (format!("p{k}"), format!("g{k}"));
            let (g, p) = match self.written {
                Written::Params => {
                    let p = bind(&p, vec4);
                    (bind(&g, vec4), Some(p))
                }
                Written::Updates { reads_params } => {
                    let g = bind(&g, vec4);
                    (g, reads_params.then(|| bind(&p, vec4)))
                }
            };
            let states = states
                .iter()
                .enumerate()
                .filter(|&(j, _)| self.present[j])
                .map(|(j, state)| (j, bind(&format!("{state}{k}"), vec4)))
                .collect();
            let io = LeafIo {
                g,
                p,
                states,
                written: self.written,
            };
            cases += &if vec4 {
                io.vec4_case(k)
            } else {
                io.scalar_case(k)
            };
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
    /// The leaves bound as `vec4<f32>`s ([`vec4_mask`]).
    pub vec4: u16,
}

impl KernelSource for NormKernel {
    fn source(&self) -> SourceTemplate {
        let mut bindings = String::new();
        let mut cases = String::new();
        for k in 0..self.leaves {
            let vec4 = self.vec4 & (1 << k) != 0;
            bindings += &storage(2 + k, &format!("g{k}"), vec4);
            // Σ g² of this thread's four elements
            cases += &if vec4 {
                format!(
                    "        case {k}u: {{
            let i = base / 4u + lid;
            if (i < len / 4u) {{
                let g = g{k}[i];
                s = ((g.x * g.x + g.y * g.y) + g.z * g.z) + g.w * g.w;
            }}
        }}
"
                )
            } else {
                format!(
                    "        case {k}u: {{
            for (var j = 0u; j < PER_THREAD; j = j + 1u) {{
                let i = base + j * WG + lid;
                if (i < len) {{ let g = g{k}[i]; s = s + g * g; }}
            }}
        }}
"
                )
            };
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
        KernelId::new::<Self>().info(*self)
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
