//! The fused step as a Burn backend extension: `Dispatch` routes a call on wgpu tensors to the
//! `CubeBackend` implementation (`launch.rs`), through the lazy `Fusion` layer when Burn's
//! `fusion` feature is on.
//!
//! The leaves come as `Vec`s of tensors, which the generated `Fusion` wrapper does not take,
//! so the `Fusion` implementation below is written by hand: it records one opaque custom
//! operation with every leaf as an input and every written tensor as an output, and runs the
//! `CubeBackend` implementation when the stream executes it.

use burn::backend::fusion::custom::{
    CustomOpIr, HandleContainer, OperationFn, OperationIr, StreamId, TensorIr,
};
use burn::backend::fusion::{Fusion, FusionBackend, FusionRuntime, FusionTensor};
use burn::backend::{
    backend_extension, tensor::FloatTensor, Backend, BackendTensor, Dispatch,
    DispatchAutodiffContext, DispatchTensor, DispatchTensorKind, ExtensionType,
};

use super::source::{Rule, Written};

/// One fused step: the optimizer, the host numbers of the step and the layout of its operands.
#[derive(Clone, Debug)]
pub struct StepLaunch {
    /// The optimizer.
    pub(crate) rule: Rule,
    /// Which of the rule's states are given (see [`Rule::states`]).
    pub present: [bool; 3],
    /// The rule's hyperparameters as float32 bits and flags, in the slots its shader names.
    pub header: [u32; 15],
    /// Which tensors are written.
    pub(crate) written: Written,
    /// Per leaf: whether `wd·p` is added (AdamW's mask).
    pub decayed: Vec<bool>,
    /// `clip_by_global_norm(max_norm)` in front, when set.
    pub clip_max_norm: Option<f32>,
}

/// The tensors of a fused step, every leaf at once: `written` are the tensors the step
/// writes (the parameters, or the gradients that become the updates), `read` the other
/// operand (the gradients, or the parameters; empty when not needed), `states` the first
/// present state of every leaf, then the second, ... (`mu` then `nu` for Adam).
pub struct StepTensors<B: Backend> {
    pub written: Vec<FloatTensor<B>>,
    pub read: Vec<FloatTensor<B>>,
    pub states: Vec<FloatTensor<B>>,
}

/// `#[derive(ExtensionType)]` maps tensor fields, not `Vec`s of them: written by hand, as the
/// derive would write it for a field per tensor.
impl<B: Backend> ExtensionType<B> for StepTensors<B> {
    type Target = StepTensors<Dispatch>;

    fn map_to_dispatch<F>(self, map_kind: F, autodiff: DispatchAutodiffContext) -> Self::Target
    where
        F: Fn(BackendTensor<B>) -> DispatchTensorKind,
    {
        let wrap = |ts: Vec<FloatTensor<B>>| -> Vec<DispatchTensor> {
            ts.into_iter()
                .map(|t| DispatchTensor {
                    kind: map_kind(BackendTensor::Float(t)),
                    autodiff,
                })
                .collect()
        };
        StepTensors {
            written: wrap(self.written),
            read: wrap(self.read),
            states: wrap(self.states),
        }
    }

    fn map_from_dispatch<F>(target: Self::Target, unwrap_kind: F) -> Self
    where
        F: Fn(DispatchTensor) -> BackendTensor<B>,
    {
        let unwrap = |ts: Vec<DispatchTensor>| -> Vec<FloatTensor<B>> {
            ts.into_iter().map(|t| unwrap_kind(t).float()).collect()
        };
        StepTensors {
            written: unwrap(target.written),
            read: unwrap(target.read),
            states: unwrap(target.states),
        }
    }

    fn routing_tensor(target: &Self::Target) -> Option<&DispatchTensor> {
        target.written.first()
    }

    fn routing_float_tensor(target: &Self::Target) -> Option<&DispatchTensor> {
        target.written.first()
    }

    fn autodiff_context(target: &Self::Target) -> DispatchAutodiffContext {
        target
            .written
            .iter()
            .chain(&target.read)
            .chain(&target.states)
            .fold(DispatchAutodiffContext::Disabled, |c, t| {
                c.merge(t.autodiff)
            })
    }
}

/// Multi-tensor optimizer steps on the GPU.
#[backend_extension(Cube)]
pub trait FusedStepOps: Backend {
    /// One optimizer step over all leaves; returns the written tensors and the states,
    /// updated (`read` empty).
    fn fused_step(
        #[extension_type] tensors: StepTensors<Self>,
        launch: StepLaunch,
    ) -> StepTensors<Self>;
}

type Handles<B> =
    HandleContainer<<<B as FusionBackend>::FusionRuntime as FusionRuntime>::FusionHandle>;

impl<B: FusionBackend + FusedStepOps> FusedStepOps for Fusion<B> {
    fn fused_step(tensors: StepTensors<Self>, launch: StepLaunch) -> StepTensors<Self> {
        let StepTensors {
            written,
            read,
            states,
        } = tensors;
        let client = written
            .first()
            .expect("a fused step has at least one leaf")
            .client
            .clone();
        let n_written = written.len();
        let out_specs: Vec<_> = written
            .iter()
            .chain(&states)
            .map(|t| (t.shape.clone(), t.dtype))
            .collect();

        let mut inputs = Vec::with_capacity(written.len() + read.len() + states.len());
        let mut take = |ts: Vec<FusionTensor<B::FusionRuntime>>| -> Vec<TensorIr> {
            ts.into_iter()
                .map(|t| {
                    let ir = t.into_ir();
                    inputs.push(ir.clone());
                    ir
                })
                .collect()
        };
        let written_ir = take(written);
        let read_ir = take(read);
        let states_ir = take(states);

        let mut outputs = Vec::with_capacity(out_specs.len());
        let out_ids: Vec<_> = out_specs
            .into_iter()
            .map(|(shape, dtype)| {
                let id = client.create_empty_handle();
                outputs.push(TensorIr::uninit(id, shape, dtype));
                id
            })
            .collect();
        let desc = CustomOpIr {
            id: "optax_fused_step".into(),
            inputs,
            outputs,
            scalars: Vec::new(),
        };
        let op = OperationFn(move |handles: &mut Handles<B>| {
            let get = |handles: &mut Handles<B>, irs: &[TensorIr]| -> Vec<_> {
                irs.iter()
                    .map(|ir| handles.get_float_tensor::<B>(ir))
                    .collect()
            };
            let tensors = StepTensors {
                written: get(handles, &written_ir),
                read: get(handles, &read_ir),
                states: get(handles, &states_ir),
            };
            let out = B::fused_step(tensors, launch.clone());
            for (id, t) in out_ids
                .iter()
                .zip(out.written.into_iter().chain(out.states))
            {
                handles.register_float_tensor::<B>(id, t);
            }
            Ok(())
        });
        let mut tensors = client
            .register(StreamId::current(), OperationIr::Custom(desc), op)
            .into_iter();
        let written: Vec<_> = tensors.by_ref().take(n_written).collect();
        StepTensors {
            written,
            read: Vec::new(),
            states: tensors.collect(),
        }
    }
}
