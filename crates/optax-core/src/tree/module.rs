//! Trees from Burn modules and their gradients, and updates applied back onto a module.
//!
//! Paths come from the module's field names, joined with `.` (`encoder.layers.0.weight`), in
//! the order Burn visits the parameters.

use std::sync::Arc;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Gradients, Tensor};

use crate::error::Result;
use crate::tree::{Tree, TreeDef};

/// Collects the float parameters of a module with their paths.
struct Collect<'a> {
    path: Vec<String>,
    paths: Vec<String>,
    shapes: Vec<Vec<usize>>,
    leaves: Vec<Tensor<1>>,
    grads: Option<&'a Gradients>,
}

impl ModuleVisitor for Collect<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let shape = value.dims().to_vec();
        let n: usize = shape.iter().product();
        let leaf = match self.grads {
            None => value.reshape([n]),
            Some(grads) => match value.grad(grads) {
                Some(g) => g.reshape([n]),
                None => Tensor::zeros([n], &value.device()),
            },
        };
        self.paths.push(self.path.join("."));
        self.shapes.push(shape);
        self.leaves.push(leaf);
    }
}

fn collect<M: Module>(module: &M, grads: Option<&Gradients>) -> Result<Tree> {
    let mut c = Collect {
        path: Vec::new(),
        paths: Vec::new(),
        shapes: Vec::new(),
        leaves: Vec::new(),
        grads,
    };
    module.visit(&mut c);
    let def = TreeDef::new(c.paths, c.shapes)?;
    Tree::from_flat(Arc::new(def), c.leaves)
}

impl Tree {
    /// The float parameters of `module`, with paths from its field names.
    pub fn from_module<M: Module>(module: &M) -> Result<Tree> {
        collect(module, None)
    }

    /// The gradients of `module`'s float parameters from a backward pass, in the structure of
    /// [`Tree::from_module`]; a parameter without gradient (frozen, unused) gets zeros.
    pub fn from_module_grads<M: Module>(module: &M, grads: &Gradients) -> Result<Tree> {
        collect(module, Some(grads))
    }
}

/// Adds `updates` to the module's parameters (`optax.apply_updates` on a Module). Each
/// parameter keeps its id, its `require_grad` flag and its dtype. The structure is checked
/// before the module is touched.
pub fn apply_updates_to_module<M: Module>(module: M, updates: &Tree) -> Result<M> {
    write_module(module, updates, Write::Add)
}

/// Replaces the module's parameters by the leaves of `params` (a tree in the structure of
/// [`Tree::from_module`]), keeping each parameter's id, `require_grad` flag and dtype. The
/// structure is checked before the module is touched.
pub(crate) fn load_module_params<M: Module>(module: M, params: &Tree) -> Result<M> {
    write_module(module, params, Write::Replace)
}

/// How a tree's leaves go into the module's parameters.
#[derive(Clone, Copy)]
enum Write {
    /// `param + leaf`.
    Add,
    /// `leaf`.
    Replace,
}

fn write_module<M: Module>(module: M, tree: &Tree, write: Write) -> Result<M> {
    let mut shape_only = Collect {
        path: Vec::new(),
        paths: Vec::new(),
        shapes: Vec::new(),
        leaves: Vec::new(),
        grads: None,
    };
    module.visit(&mut shape_only);
    let def = TreeDef::new(shape_only.paths, shape_only.shapes)?;
    def.check_matches(tree.def())?;
    let mut mapper = Apply {
        leaves: tree.leaves(),
        next: 0,
        write,
    };
    Ok(module.map(&mut mapper))
}

struct Apply<'a> {
    leaves: &'a [Tensor<1>],
    next: usize,
    write: Write,
}

impl ModuleMapper for Apply<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let leaf = self.leaves[self.next].clone();
        self.next += 1;
        let require_grad = tensor.is_require_grad();
        let dims = tensor.dims();
        let dtype = tensor.dtype();
        let leaf = leaf.inner().reshape(dims).cast(dtype);
        let new = match self.write {
            Write::Add => (tensor.inner() + leaf).detach(),
            Write::Replace => leaf.detach(),
        };
        let new = if require_grad {
            new.autodiff().require_grad()
        } else {
            new
        };
        Param::from_mapped_value(id, new, mapper)
    }
}
