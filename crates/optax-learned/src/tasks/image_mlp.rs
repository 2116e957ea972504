//! `ImageMLP` tasks (learned_optimization's `tasks/fixed/image_mlp.py`): a ReLU MLP on
//! flattened images, mean softmax cross-entropy, and its gradient written in tensor ops.
//!
//! `ImageMLP_FashionMnist8_Relu32`: Fashion-MNIST resized to 8×8, 64 → 32 → ReLU → 10
//! (2,410 parameters), batches of 128. Haiku's `Linear` initialisation: `w` from a normal
//! truncated at ±2 standard deviations, scaled by `1/√fan_in`; `b = 0`.
//!
//! The gradient (for the hidden layers `z_l = h_{l−1} W_l + b_l`, `h_l = relu(z_l)`, logits
//! `z_L`, one-hot targets `Y`, batch size `B`):
//!
//! ```text
//! L = −(1/B) Σ_n Σ_k Y_nk · log softmax(z_L)_nk
//! δ_L = (softmax(z_L) − Y) / B
//! ∂L/∂W_l = h_{l−1}ᵀ δ_l      ∂L/∂b_l = Σ_n δ_l      δ_{l−1} = (δ_l W_lᵀ) ⊙ [z_{l−1} > 0]
//! ```
//!
//! Every line is a differentiable tensor op of the parameters (the ReLU mask is piecewise
//! constant, its derivative zero almost everywhere, as in JAX), so an unroll that steps on this
//! gradient has an exact meta-gradient.

use std::sync::Arc;

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};
use optax_core::{OptaxError, Result, Tree};

use crate::data::batches::{Batch, Datasets};
use crate::data::classification::ClassificationData;
use crate::data::fashion_mnist::fashion_mnist;
use crate::haiku_mlp;
use crate::task::Task;

/// A ReLU MLP classifier on a [`ClassificationData`] (learned_optimization's `_MLPImageTask`).
#[derive(Clone, Debug)]
pub struct ImageMlp {
    name: String,
    data: Arc<ClassificationData>,
    hidden: Vec<usize>,
    batch_size: usize,
}

impl ImageMlp {
    /// An MLP with hidden layers `hidden` on `data`, trained on batches of `batch_size`.
    pub fn new(
        name: impl Into<String>,
        data: ClassificationData,
        hidden: Vec<usize>,
        batch_size: usize,
    ) -> Result<Self> {
        if hidden.contains(&0) {
            return Err(OptaxError::invalid("hidden", "a layer of width 0"));
        }
        if batch_size == 0 || batch_size > data.train.len() {
            return Err(OptaxError::invalid(
                "batch_size",
                format!("must be in 1..={}, got {batch_size}", data.train.len()),
            ));
        }
        Ok(Self {
            name: name.into(),
            data: Arc::new(data),
            hidden,
            batch_size,
        })
    }

    /// `ImageMLP_FashionMnist8_Relu32`: Fashion-MNIST at 8×8 from the Debian package
    /// `dataset-fashion-mnist` (an error naming it where it is missing), one hidden layer of
    /// 32, batches of 128.
    pub fn fashion_mnist8_relu32() -> Result<Self> {
        Self::new(
            "ImageMLP_FashionMnist8_Relu32",
            fashion_mnist(8)?,
            vec![32],
            128,
        )
    }

    /// The task's data.
    pub fn data(&self) -> &ClassificationData {
        &self.data
    }

    /// Layer widths from input to output.
    fn widths(&self) -> Vec<usize> {
        let mut w = vec![self.data.dim()];
        w.extend(&self.hidden);
        w.push(self.data.train.classes());
        w
    }

    /// The weights and biases, layer by layer, as `[fan_in, fan_out]` and `[1, fan_out]`.
    fn layers(&self, params: &Tree) -> Result<Vec<(Tensor<2>, Tensor<2>)>> {
        haiku_mlp::layers(params, &self.widths(), &self.name)
    }

    fn batch<'a>(&self, batch: Option<&'a Batch>) -> Result<&'a Batch> {
        let batch = batch.ok_or_else(|| {
            OptaxError::input(&self.name, "the loss of an image task needs a batch")
        })?;
        if batch.inputs.dims()[1] != self.data.dim() {
            return Err(OptaxError::input(
                &self.name,
                format!(
                    "batch of {} features, the task's images have {}",
                    batch.inputs.dims()[1],
                    self.data.dim()
                ),
            ));
        }
        Ok(batch)
    }

    /// The forward pass: the inputs of each layer and the logits.
    fn forward(layers: &[(Tensor<2>, Tensor<2>)], x: Tensor<2>) -> (Vec<Tensor<2>>, Tensor<2>) {
        let mut inputs = Vec::with_capacity(layers.len());
        let mut h = x;
        for (l, (w, b)) in layers.iter().enumerate() {
            inputs.push(h.clone());
            let z = h.matmul(w.clone()) + b.clone();
            h = if l + 1 < layers.len() {
                burn::tensor::activation::relu(z)
            } else {
                z
            };
        }
        (inputs, h)
    }

    /// Mean softmax cross-entropy and `log softmax(logits)`.
    fn cross_entropy(logits: Tensor<2>, targets: &Tensor<2>) -> (Tensor<1>, Tensor<2>) {
        let log_p = log_softmax(logits, 1);
        let loss = (log_p.clone() * targets.clone())
            .sum()
            .neg()
            .div_scalar(targets.dims()[0] as f64);
        (loss, log_p)
    }

    fn assemble(&self, grads: Vec<(Tensor<2>, Tensor<2>)>, params: &Tree) -> Result<Tree> {
        let mut by_path: Vec<(String, Tensor<1>)> = Vec::new();
        for (l, (gw, gb)) in grads.into_iter().enumerate() {
            let (w, b) = haiku_mlp::layer_paths(l);
            let (nw, nb): (usize, usize) = (gw.dims().iter().product(), gb.dims().iter().product());
            by_path.push((w, gw.reshape([nw])));
            by_path.push((b, gb.reshape([nb])));
        }
        let leaves = params
            .paths()
            .iter()
            .map(|p| {
                let i = by_path.iter().position(|(q, _)| q == p).ok_or_else(|| {
                    OptaxError::state(p, format!("{} has no parameter `{p}`", self.name))
                })?;
                Ok(by_path[i].1.clone())
            })
            .collect::<Result<Vec<_>>>()?;
        Tree::from_flat(params.def().clone(), leaves)
    }
}

impl Task for ImageMlp {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn init(&self, seed: u64, device: &Device) -> Result<Tree> {
        haiku_mlp::init(&self.widths(), seed, device)
    }

    fn loss(&self, params: &Tree, batch: Option<&Batch>) -> Result<Tensor<1>> {
        let batch = self.batch(batch)?;
        let (_, logits) = Self::forward(&self.layers(params)?, batch.inputs.clone());
        Ok(Self::cross_entropy(logits, &batch.targets).0)
    }

    fn grad(&self, params: &Tree, batch: Option<&Batch>) -> Option<Result<Tree>> {
        Some(self.value_and_grad(params, batch)?.map(|(_, g)| g))
    }

    fn value_and_grad(
        &self,
        params: &Tree,
        batch: Option<&Batch>,
    ) -> Option<Result<(Tensor<1>, Tree)>> {
        let run = || -> Result<(Tensor<1>, Tree)> {
            let batch = self.batch(batch)?;
            let layers = self.layers(params)?;
            let (inputs, logits) = Self::forward(&layers, batch.inputs.clone());
            let (loss, log_p) = Self::cross_entropy(logits, &batch.targets);
            // δ_L = (softmax(z_L) − Y) / B
            let mut delta = (log_p.exp() - batch.targets.clone()).div_scalar(batch.len() as f64);
            let mut grads = Vec::with_capacity(layers.len());
            for l in (0..layers.len()).rev() {
                let h = &inputs[l];
                let gw = h.clone().transpose().matmul(delta.clone());
                let gb = delta.clone().sum_dim(0);
                if l > 0 {
                    // δ_{l−1} = (δ_l W_lᵀ) ⊙ [z_{l−1} > 0]; h_{l−1} > 0 exactly where z_{l−1} > 0.
                    let back = delta.matmul(layers[l].0.clone().transpose());
                    delta = back.mask_fill(h.clone().lower_equal_elem(0.0), 0.0);
                }
                grads.push((gw, gb));
            }
            grads.reverse();
            Ok((loss, self.assemble(grads, params)?))
        };
        Some(run())
    }

    /// learned_optimization's image-task normalizer: the loss clipped to `[0, 1.5·ln 10]`,
    /// NaN mapped to the upper bound.
    fn normalizer(&self, loss: Tensor<1>) -> Tensor<1> {
        let max = 1.5 * (self.data.train.classes() as f64).ln();
        loss.clone().mask_fill(loss.is_nan(), max).clamp(0.0, max)
    }

    fn datasets(&self, seed: u64, device: &Device) -> Option<Result<Datasets>> {
        Some(self.data.datasets(self.batch_size, seed, device))
    }
}
