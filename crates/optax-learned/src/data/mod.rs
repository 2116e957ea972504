//! Data for tasks: the IDX reader, TensorFlow's bilinear resize, Fashion-MNIST, in-memory
//! splits and the endless batch streams learned_optimization's tasks read.

pub mod batches;
pub mod classification;
pub mod fashion_mnist;
pub mod idx;
pub mod resize;
